package kit_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/accountkit/accountkit/api"
	"github.com/accountkit/accountkit/internal/kittest"
)

// routePattern matches the value of a route constant: a method and a
// ServeMux pattern.
var routePattern = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (/\S*)$`)

// declaredRoutes returns every route the library declares: the string
// constants named Route* in the non-test files of the module's packages
// (every handler registers its routes through such constants), as
// "METHOD /path" with ServeMux's "{$}" (exact match) removed.
func declaredRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	root := ".."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "storage", "examples", "benchmarks", "internal", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Route") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, _ := strconv.Unquote(lit.Value)
					if routePattern.MatchString(v) {
						out = append(out, strings.TrimSuffix(v, "{$}"))
					}
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	slices.Sort(out)
	return slices.Compact(out)
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string `json:"operationId"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
	Security  []map[string][]string      `json:"security"`
}

func loadDoc(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	dec := json.NewDecoder(bytes.NewReader(api.OpenAPI))
	require.NoError(t, dec.Decode(&doc), "api/openapi.json is valid JSON")
	require.True(t, strings.HasPrefix(doc.OpenAPI, "3.1."), "OpenAPI 3.1, got %q", doc.OpenAPI)
	return doc
}

// TestOpenAPI_MatchesRoutes: every declared route is documented and every
// documented operation is declared, with operation IDs unique, path
// parameters declared, security schemes and $refs that resolve.
func TestOpenAPI_MatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	var documented []string
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			route := strings.ToUpper(method) + " " + path
			documented = append(documented, route)
			var op openAPIOp
			require.NoError(t, json.Unmarshal(raw, &op), route)
			require.NotEmpty(t, op.OperationID, route)
			if prev, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %q of %s is also %s's", op.OperationID, route, prev)
			}
			ids[op.OperationID] = route
			var inPath []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					inPath = append(inPath, p.Name)
				}
			}
			var want []string
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				want = append(want, m[1])
			}
			assert.ElementsMatch(t, want, inPath, "%s: path parameters", route)
			assert.NotEmpty(t, op.Responses, route)
			for _, req := range op.Security {
				for scheme := range req {
					assert.Contains(t, doc.Components.SecuritySchemes, scheme, route)
				}
			}
		}
	}
	slices.Sort(documented)
	declared := append(declaredRoutes(t), strings.TrimSuffix(api.Route, "{$}"))
	slices.Sort(declared)
	var missing, extra []string
	for _, r := range declared {
		if !slices.Contains(documented, r) {
			missing = append(missing, r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(declared, r) {
			extra = append(extra, r)
		}
	}
	assert.Empty(t, missing, "routes the handlers declare but api/openapi.json does not document")
	assert.Empty(t, extra, "operations api/openapi.json documents but no handler declares")
	assert.Greater(t, len(declared), 90, "the route scan found the handlers' constants")

	for _, ref := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(api.OpenAPI), -1) {
		assert.Contains(t, doc.Components.Schemas, ref[1], "$ref %s resolves", ref[1])
	}
}

// TestOpenAPI_Served: the kit serves the document, and serves every
// documented operation (no documented route falls through to "no such
// endpoint", a 405 or the mux's own 404).
func TestOpenAPI_Served(t *testing.T) {
	t.Parallel()
	env := kittest.New(t)
	h := env.Kit.Handler()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, api.OpenAPI, rec.Body.Bytes())

	doc := loadDoc(t)
	fill := strings.NewReplacer("{id}", "01900000-0000-7000-8000-000000000001", "{slug}", "acme")
	for path, item := range doc.Paths {
		for method := range item {
			req := httptest.NewRequest(strings.ToUpper(method), fill.Replace(path), strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			route := strings.ToUpper(method) + " " + path
			assert.NotEqual(t, http.StatusMethodNotAllowed, rec.Code, route)
			assert.NotContains(t, rec.Body.String(), "no such endpoint", route)
			assert.NotContains(t, rec.Body.String(), "404 page not found", route)
		}
	}
}
