// Package api holds the OpenAPI 3.1 description of the HTTP API that
// kit.Handler serves. The kit serves it at Route; kit's tests check it
// against the routes the handlers register, both ways.
package api

import _ "embed"

// Route is where the kit serves OpenAPI.
const Route = "GET /api/v1/openapi.json"

// OpenAPI is the OpenAPI 3.1 document, as JSON.
//
//go:embed openapi.json
var OpenAPI []byte
