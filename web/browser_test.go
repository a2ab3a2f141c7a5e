package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The browser tests drive headless Chromium (Debian's chromium) against a
// real server. Without chromium they skip, except under CI=true.

var updateScreenshots = flag.Bool("screenshots", false, "write the pages' screenshots to testdata/screenshots")

//go:embed testdata/axe/axe.min.js
var axeSource string

var (
	allocOnce   sync.Once
	allocCtx    context.Context
	allocCancel context.CancelFunc
	allocErr    string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if allocCancel != nil {
		allocCancel()
	}
	os.Exit(code)
}

// chromiumPath finds the browser.
func chromiumPath() string {
	if p := os.Getenv("ACCOUNTKIT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserAllocator starts one Chromium for the whole test binary.
func browserAllocator(t *testing.T) context.Context {
	t.Helper()
	allocOnce.Do(func() {
		path := chromiumPath()
		if path == "" {
			allocErr = "chromium is not installed (apt-get install -y chromium); browser tests skipped"
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "en-US"))
		var cancelAlloc, cancelBrowser context.CancelFunc
		allocCtx, cancelAlloc = chromedp.NewExecAllocator(context.Background(), opts...)
		allocCtx, cancelBrowser = chromedp.NewContext(allocCtx)
		allocCancel = func() { cancelBrowser(); cancelAlloc() }
		if err := chromedp.Run(allocCtx); err != nil { // starts the browser
			allocErr = "chromium did not start: " + err.Error()
		}
	})
	if allocErr != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(allocErr)
		}
		t.Skip(allocErr)
	}
	return allocCtx
}

// tab is one browser tab, starting without cookies.
type tab struct {
	t    *testing.T
	ctx  context.Context
	s    *site
	mu   sync.Mutex
	logs []string
	// axe runs the accessibility check on every page the tab shoots.
	axe bool
}

func (s *site) newTab(t *testing.T, axe bool) *tab {
	t.Helper()
	return s.newTabFor(t, axe, 90*time.Second)
}

// newTabFor is newTab with the given deadline for everything the tab does.
func (s *site) newTabFor(t *testing.T, axe bool, deadline time.Duration) *tab {
	t.Helper()
	// A new tab with the cookies cleared: the tests use one tab at a time.
	ctx, cancel := chromedp.NewContext(browserAllocator(t))
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, deadline)
	t.Cleanup(cancelT)
	tb := &tab{t: t, ctx: ctx, s: s, axe: axe}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			tb.mu.Lock()
			tb.logs = append(tb.logs, e.Entry.Level.String()+": "+e.Entry.Text)
			tb.mu.Unlock()
		case *runtime.EventExceptionThrown:
			tb.mu.Lock()
			tb.logs = append(tb.logs, "exception: "+e.ExceptionDetails.Text)
			tb.mu.Unlock()
		}
	})
	tb.run(network.Enable(), network.ClearBrowserCookies(), cdplog.Enable(), runtime.Enable())
	return tb
}

func (tb *tab) run(actions ...chromedp.Action) {
	tb.t.Helper()
	require.NoError(tb.t, chromedp.Run(tb.ctx, actions...))
}

// lang makes the browser ask for a language.
func (tb *tab) lang(accept string) {
	tb.t.Helper()
	tb.run(network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"Accept-Language": accept}))
}

// open navigates to a path of the site and waits for the page.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.run(chromedp.Navigate(tb.s.URL+path), chromedp.WaitReady("body"))
}

// fill types into the input with the name.
func (tb *tab) fill(name, value string) {
	tb.t.Helper()
	sel := `[name="` + name + `"]`
	tb.run(chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('`+sel+`').value = ""`, nil),
		chromedp.SendKeys(sel, value, chromedp.ByQuery))
}

// click clicks and waits for the next page to load.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.run(chromedp.Evaluate(`window.__akOld = 1`, nil), chromedp.Click(sel, chromedp.NodeVisible, chromedp.ByQuery))
	deadline := time.Now().Add(15 * time.Second)
	for {
		var loaded bool
		err := chromedp.Run(tb.ctx, chromedp.Evaluate(`typeof window.__akOld === "undefined" && document.readyState === "complete"`, &loaded))
		if err == nil && loaded {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("no new page after clicking %s (last error: %v)", sel, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// submit clicks the submit button of the form around the named input.
func (tb *tab) submit(field string) {
	tb.t.Helper()
	tb.click(`form:has([name="` + field + `"]) button[type=submit]`)
}

// path is the current path and query.
func (tb *tab) path() string {
	tb.t.Helper()
	var loc string
	tb.run(chromedp.Location(&loc))
	return strings.TrimPrefix(loc, tb.s.URL)
}

// text is what the page says.
func (tb *tab) text() string {
	tb.t.Helper()
	var s string
	tb.run(chromedp.Text("body", &s, chromedp.ByQuery))
	return s
}

// attr reads an attribute of the first element matching sel.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	var v string
	tb.run(chromedp.Evaluate(`(function(){var e=document.querySelector(`+"`"+sel+"`"+`);return e?(e.getAttribute("`+name+`")||""):"<missing>"})()`, &v))
	return v
}

// check looks at the page as a person and a screen reader would: no CSP
// violation or script error in the console, axe-core finds no serious or
// critical violation, and (with -screenshots) screenshots at 1280 and 390
// pixels wide are written.
func (tb *tab) check(name string) {
	tb.t.Helper()
	tb.mu.Lock()
	logs := tb.logs
	tb.logs = nil
	tb.mu.Unlock()
	for _, l := range logs {
		require.NotContains(tb.t, l, "Content Security Policy", "%s: %s", name, l)
		require.False(tb.t, strings.HasPrefix(l, "exception"), "%s: %s", name, l)
	}
	if tb.axe {
		tb.runAxe(name)
	}
	if *updateScreenshots {
		tb.screenshot(name)
	}
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

func (tb *tab) runAxe(name string) {
	tb.t.Helper()
	var injected bool
	tb.run(chromedp.Evaluate(`typeof axe !== "undefined"`, &injected))
	if !injected {
		tb.run(chromedp.Evaluate(axeSource+";true", nil))
	}
	var raw string
	tb.run(chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, &raw,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var vs []axeViolation
	require.NoError(tb.t, json.Unmarshal([]byte(raw), &vs))
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			targets, _ := json.Marshal(v.Nodes)
			tb.t.Errorf("%s: axe %s (%s): %s at %s", name, v.ID, v.Impact, v.Help, targets)
		}
	}
}

func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := filepath.Join("testdata", "screenshots")
	require.NoError(tb.t, os.MkdirAll(dir, 0o755))
	for _, size := range []struct {
		suffix string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 860, false}, {"mobile", 390, 844, true}} {
		var png []byte
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		tb.run(chromedp.EmulateViewport(size.w, size.h, opts...), chromedp.Sleep(50*time.Millisecond), chromedp.FullScreenshot(&png, 100))
		require.NoError(tb.t, os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644))
	}
	tb.run(chromedp.EmulateViewport(1280, 900))
}

// evalAwait evaluates a promise-returning expression into res.
func evalAwait(expr string, res any) chromedp.Action {
	return chromedp.Evaluate(expr, res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) })
}

func chromedpText(sel string, s *string) chromedp.Action {
	return chromedp.Text(sel, s, chromedp.ByQuery)
}
