package demo

import (
	"context"
	"strings"
	"sync"

	"github.com/accountkit/accountkit/account"
)

// HostnameTarget is the name the quickstart's custom hostnames point
// their CNAME at (account.CustomizationOptions.HostnameTarget).
const HostnameTarget = "accountkit.localhost"

// CustomHostname is the sample account's custom hostname. Browsers and
// curl send every *.localhost name to this machine (RFC 6761), so it
// works without touching /etc/hosts.
const CustomHostname = "acme.localhost"

// localDNS is the quickstart's DNS: an account.Resolver that answers from
// the records the quickstart published in it, as the customer's DNS
// provider would after they created them. Names it does not hold are not
// found. A real installation leaves the Resolver unset
// (net.DefaultResolver).
type localDNS struct {
	mu    sync.Mutex
	cname map[string]string
	txt   map[string][]string
}

var _ account.Resolver = (*localDNS)(nil)

func newLocalDNS() *localDNS {
	return &localDNS{cname: map[string]string{}, txt: map[string][]string{}}
}

// publish adds records (CNAME and TXT) to the zone.
func (d *localDNS) publish(records []account.DNSRecord) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range records {
		name := strings.ToLower(strings.TrimSuffix(r.Name, "."))
		switch r.Type {
		case "CNAME":
			d.cname[name] = r.Value + "."
		case "TXT":
			d.txt[name] = append(d.txt[name], r.Value)
		}
	}
}

type notFound struct{ name string }

func (e notFound) Error() string { return "lookup " + e.name + ": no such host (quickstart local DNS)" }

// LookupCNAME implements account.Resolver.
func (d *localDNS) LookupCNAME(_ context.Context, host string) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.cname[strings.ToLower(strings.TrimSuffix(host, "."))]; ok {
		return v, nil
	}
	return "", notFound{host}
}

// LookupTXT implements account.Resolver.
func (d *localDNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.txt[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
		return append([]string(nil), v...), nil
	}
	return nil, notFound{name}
}
