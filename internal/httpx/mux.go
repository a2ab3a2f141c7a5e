package httpx

import (
	"log/slog"
	"net/http"
)

// Route is one route of an API handler: a Go 1.22 ServeMux pattern (the
// handler package's Route* constant) and the function serving it.
type Route struct {
	Pattern string
	Serve   http.HandlerFunc
}

// Mux is what every API handler embeds: it registers the handler's routes
// on the host's mux, serves them on their own and writes failures as
// problems, so each handler file holds only its routes and their code.
type Mux struct {
	logger *slog.Logger
	routes []Route
	own    *http.ServeMux
}

// NewMux returns a Mux serving routes; a nil logger means slog.Default().
func NewMux(logger *slog.Logger, routes ...Route) Mux {
	if logger == nil {
		logger = slog.Default()
	}
	m := Mux{logger: logger, routes: routes, own: http.NewServeMux()}
	m.Register(m.own)
	return m
}

// Register adds the routes to mux.
func (m *Mux) Register(mux *http.ServeMux) {
	for _, r := range m.routes {
		mux.HandleFunc(r.Pattern, r.Serve)
	}
}

// ServeHTTP serves the routes on their own.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.own.ServeHTTP(w, r) }

// Fail writes err as a problem (see WriteError).
func (m *Mux) Fail(w http.ResponseWriter, r *http.Request, err error) {
	WriteError(w, r, m.logger, err)
}

// Logger returns the handler's logger.
func (m *Mux) Logger() *slog.Logger { return m.logger }

// Decode reads a JSON body into v with DecodeJSON's rules and the default
// size limit; on failure it writes the problem and returns false.
func (m *Mux) Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := DecodeJSON(w, r, 0, v); err != nil {
		m.Fail(w, r, err)
		return false
	}
	return true
}
