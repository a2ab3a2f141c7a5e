// Package benchmarks compares accountkit's SAML response validation
// (sso/saml) with other Go SAML libraries on the same signed response. It is
// a separate module so that the library's go.mod never depends on them.
//
//	cd benchmarks && go test -run='^$' -bench=. -count=6 ./... | tee new.txt
package benchmarks
