package accountkit_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/accountkit/accountkit"

// layers is the documented dependency order (README, "Architecture"): a
// package may import the packages of lower layers only — never one of its
// own layer, never one above. Packages not listed fail the test until
// they are placed.
var layers = [][]string{
	{"", "api", "sso/saml"},
	{"security", "jobs"},
	{"internal/httpx", "internal/telemetry"},
	{"audit"},
	{"account"},
	{"users"},
	{"auth", "teams", "seats", "apikeys", "notifications"},
	{"sso", "scim", "reports"},
	{"webhooks"},
	{"web"},
	{"storage"},
	{"storage/internal/sqlstore", "storage/memory"},
	{"storage/sqlite", "storage/postgres", "storage/mysql", "storage/storagetest"},
	{"kit"},
	{"internal/dbtest", "internal/oapitest", "internal/oidctest"},
	{"accountkittest"},
	{"internal/kittest"},
	{"examples/internal/demo"},
	{"examples/quickstart", "examples/postgres", "examples/embed"},
}

// standalone packages import nothing of the module: the protocol engine
// and the OpenAPI document stay reusable on their own.
var standalone = []string{"api", "sso/saml"}

// TestArchitecture_ImportOrder fails when a package imports against the
// documented order, so the layering cannot erode unnoticed.
func TestArchitecture_ImportOrder(t *testing.T) {
	t.Parallel()
	rank := map[string]int{}
	for i, layer := range layers {
		for _, p := range layer {
			rank[p] = i
		}
	}
	imports := moduleImports(t)
	require.NotEmpty(t, imports)
	for pkg, deps := range imports {
		r, ok := rank[pkg]
		if !assert.True(t, ok, "package %q is not placed in the documented layers", pkg) {
			continue
		}
		for _, dep := range deps {
			d, ok := rank[dep]
			if !ok {
				continue // reported as the importing package's own failure
			}
			assert.Less(t, d, r, "%q imports %q, which is not below it in the documented order", pkg, dep)
			if slices.Contains(standalone, pkg) {
				assert.Fail(t, "standalone package imports the module", "%q imports %q", pkg, dep)
			}
		}
	}
}

// moduleImports returns, for every package of the module but its test
// files and the separate benchmarks module, the module packages its
// non-test files import, by path relative to the module root.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == "benchmarks" || strings.HasPrefix(name, ".") && path != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p != module && !strings.HasPrefix(p, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
			if !slices.Contains(out[pkg], dep) {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}
