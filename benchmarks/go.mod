module github.com/accountkit/accountkit/benchmarks

go 1.25.0

replace github.com/accountkit/accountkit => ../

require (
	github.com/accountkit/accountkit v0.0.0-00010101000000-000000000000
	github.com/crewjam/saml v0.5.1
	github.com/russellhaering/goxmldsig v1.6.1
)

require (
	github.com/beevik/etree v1.8.1 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
	github.com/mattermost/xml-roundtrip-validator v0.1.0 // indirect
	golang.org/x/crypto v0.48.0 // indirect
)
