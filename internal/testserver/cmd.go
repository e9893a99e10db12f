package testserver

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// DemoNoise are the banner lines the -noise flag of [Main] writes to stdout
// before the initialize response, imitating servers that print to stdout.
func DemoNoise() []string {
	return []string{
		"Example MCP Server version : 1.4.2",
		"┌──────────── starting ────────────┐",
		`{"level":"info","msg":"listening on stdio"}`,
	}
}

const demoInstructions = "Demo server: get_weather, add, word_count, slow_count and screenshot. " +
	"Every answer is computed offline and is the same for the same arguments."

// Main runs the demo server ([DemoTools]) over the given stdio streams until
// stdin ends and returns the process exit code: 0 when stdin ended, 1 when
// serving failed (including -crash-after), 2 for bad flags. args exclude the
// program name. Flags:
//
//	-noise          write [DemoNoise] before the initialize response
//	-string-ids     answer numeric ids as strings
//	-huge N         answer every tools/call with N bytes of text
//	-crash-after N  drop the connection upon tools/call number N
//	-hang METHOD    never answer METHOD (repeatable)
//	-page-size N    tools per tools/list page
//	-repeat-cursor  every tools/list page repeats the same nextCursor
//	-stderr N       write N lines of chatter to stderr before serving
//	-version V      support only protocol version V
//	-v              log diagnostics to stderr
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var faults Faults
	noise := fs.Bool("noise", false, "write banner lines before the initialize response")
	fs.BoolVar(&faults.StringIDs, "string-ids", false, "answer numeric ids as strings")
	fs.IntVar(&faults.HugeResultBytes, "huge", 0, "answer every tools/call with `N` bytes of text")
	fs.IntVar(&faults.CrashAfterCalls, "crash-after", 0, "drop the connection upon tools/call number `N`")
	fs.Func("hang", "never answer `METHOD` (repeatable)", func(m string) error {
		faults.HangMethods = append(faults.HangMethods, m)
		return nil
	})
	fs.BoolVar(&faults.RepeatCursor, "repeat-cursor", false, "every tools/list page repeats the same nextCursor")
	pageSize := fs.Int("page-size", 0, "`N` tools per tools/list page (0: one page)")
	fs.IntVar(&faults.StderrLines, "stderr", 0, "write `N` lines of chatter to stderr before serving")
	version := fs.String("version", "", "support only protocol version `V`")
	verbose := fs.Bool("v", false, "log diagnostics to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "testserver: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if faults.HugeResultBytes < 0 || faults.CrashAfterCalls < 0 || faults.StderrLines < 0 || *pageSize < 0 {
		fmt.Fprintln(stderr, "testserver: counts must not be negative")
		return 2
	}
	if *noise {
		faults.Noise = DemoNoise()
	}
	opts := Options{Tools: DemoTools(), PageSize: *pageSize, Instructions: demoInstructions, Faults: faults}
	if *version != "" {
		opts.ProtocolVersions = []string{*version}
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if err := writeChatter(stderr, faults.StderrLines); err != nil {
		return 1
	}
	if err := New(opts).Serve(context.Background(), stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "testserver: %v\n", err)
		return 1
	}
	return 0
}

// writeChatter fills stderr the way a chatty server does, so that tests can
// prove a client drains stderr: with a pipe nobody reads, this blocks.
func writeChatter(w io.Writer, n int) error {
	if n <= 0 {
		return nil
	}
	bw := bufio.NewWriter(w)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(bw, "testserver: warming up, chatter line %d of %d\n", i, n)
	}
	return bw.Flush()
}
