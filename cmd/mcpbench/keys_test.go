package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestKeysNeverPrinted gives two providers keys through the environment:
// one checks its key, the other quotes it back in every error, as careless
// gateways do. No output of any kind may contain either key.
func TestKeysNeverPrinted(t *testing.T) {
	const keyA, keyB = "sk-test-alpha-0123456789", "sk-test-bravo-9876543210"
	good := &refServer{Latency: time.Millisecond, Tool: "get_weather", Args: `{"city":"Oslo"}`, Key: keyA, EchoAuth: true}
	leaky := &refServer{Tool: "get_weather", Args: `{}`, EchoAuth: true,
		Fail: func(int64) (int, http.Header) { return http.StatusInternalServerError, nil }}
	dir := t.TempDir()
	files := map[string]string{"--json": "out.json", "--csv": "out.csv", "--html": "out.html"}
	args := []string{
		"-v",
		"--provider", "good=" + good.start(t) + ",model=m,key-env=KEY_A",
		"--provider", "leaky=" + leaky.start(t) + ",model=m,key-env=KEY_B",
		"--requests", "5", "--concurrency", "1", "--retries", "1",
	}
	for flag, name := range files {
		args = append(args, flag, filepath.Join(dir, name))
	}
	code, stdout, stderr := runCmd(t, map[string]string{"KEY_A": keyA, "KEY_B": keyB}, args...)
	if code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		outputs[name] = string(b)
	}
	for where, text := range outputs {
		for _, key := range []string{keyA, keyB} {
			if strings.Contains(text, key) {
				t.Errorf("%s contains the API key %q", where, key)
			}
		}
	}
	// The leaky provider's error is reported, with its key hidden.
	if !strings.Contains(stderr, "[redacted]") {
		t.Errorf("stderr does not show the leaky provider's error redacted:\n%s", stderr)
	}
	// The good provider got its key.
	rep := readReport(t, filepath.Join(dir, "out.json"))
	if rep.Runs[0].Provider != "good" || rep.Runs[0].Succeeded != 5 {
		t.Errorf("provider good: %d of 5 succeeded, want all: the key must reach the server", rep.Runs[0].Succeeded)
	}
}

func TestKeyFlagRefused(t *testing.T) {
	const secret = "sk-live-do-not-print-me"
	for _, spec := range []string{
		"p=http://127.0.0.1:1/v1,key=" + secret,
		"p=http://127.0.0.1:1/v1,api-key=" + secret,
		"p=http://127.0.0.1:1/v1,model=m,bogus=" + secret,
		"p=http://127.0.0.1:1/v1,model" + secret,
	} {
		code, stdout, stderr := runCmd(t, nil, "--provider", spec)
		if code != 2 {
			t.Errorf("--provider with a key in it: exit code %d, want 2", code)
		}
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("the error for a bad --provider echoes the key:\n%s", stderr)
		}
	}
}

func TestMissingKeyEnv(t *testing.T) {
	code, _, stderr := runCmd(t, nil, "--provider", "p=http://127.0.0.1:1/v1,model=m,key-env=NOT_SET_ANYWHERE")
	if code != 2 || !strings.Contains(stderr, "NOT_SET_ANYWHERE") {
		t.Errorf("a key-env naming an unset variable: exit code %d, stderr %q; want 2 and the variable's name", code, stderr)
	}
}
