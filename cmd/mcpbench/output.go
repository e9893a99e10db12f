package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mcpclient/mcpclient/internal/bench"
)

// redactor hides secrets (API keys) in text bound for output. Providers
// echo keys in error messages more often than one would hope.
type redactor []string

// add registers a secret; very short values are ignored, since replacing
// them would garble ordinary text and they protect nothing.
func (r *redactor) add(secret string) {
	if len(secret) >= 4 {
		*r = append(*r, secret)
	}
}

func (r redactor) clean(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// report writes the results: the table and the ranking on stdout, the
// first error of each kind on stderr, and the files the flags name.
func report(runs []*bench.Run, l *loadFlags, notes []string, title string, e *env, red redactor) error {
	if len(runs) == 0 {
		return errors.New("mcpclient: report: nothing was measured")
	}
	if err := bench.WriteTable(e.stdout, runs, bench.TableOptions{CPU: l.cpu}); err != nil {
		return err
	}
	var rk strings.Builder
	if err := bench.WriteRanking(&rk, runs); err != nil {
		return err
	}
	if rk.Len() > 0 {
		fmt.Fprintf(e.stdout, "\n%s", rk.String())
	}
	writeExamples(e.stderr, runs, red)

	write := func(flag, path string, f func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		if err := writeFile(path, f); err != nil {
			return fmt.Errorf("mcpclient: write the %s report: %w", flag, err)
		}
		fmt.Fprintf(e.stderr, "mcpbench: wrote %s\n", path)
		return nil
	}
	return errors.Join(
		write("--json", l.jsonPath, func(w io.Writer) error { return bench.WriteJSON(w, runs) }),
		write("--csv", l.csvPath, func(w io.Writer) error { return bench.WriteCSV(w, runs) }),
		write("--html", l.htmlPath, func(w io.Writer) error {
			return bench.WriteHTML(w, runs, bench.HTMLOptions{Title: title, Notes: notes, Generated: time.Now(), CPU: l.cpu})
		}),
	)
}

// writeExamples quotes the first error of each kind per run, so that a
// failing provider can be diagnosed without rerunning it.
func writeExamples(w io.Writer, runs []*bench.Run, red redactor) {
	seen := map[string]bool{}
	for _, r := range runs {
		kinds := make([]bench.Kind, 0, len(r.Examples))
		for k := range r.Examples {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
		for _, k := range kinds {
			msg := red.clean(r.Examples[k])
			key := r.Provider + "\x00" + k.String() + "\x00" + msg
			if seen[key] {
				continue
			}
			seen[key] = true
			fmt.Fprintf(w, "mcpbench: %s %s: first %s error: %s\n", r.Workload, r.Provider, k, oneLine(msg, 300))
		}
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

func writeFile(path string, f func(io.Writer) error) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
