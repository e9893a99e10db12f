package testserver

import "log/slog"

// Options configure a [Server]. New(Options{}) is a well-behaved server
// named "testserver" with no tools.
type Options struct {
	// Name and Version are reported as serverInfo; empty means "testserver"
	// and "1.0.0".
	Name, Version string
	// ProtocolVersions lists the supported protocol revisions, newest
	// first; nil or empty means [DefaultProtocolVersions].
	ProtocolVersions []string
	// ModernVersions lists the stateless revisions (2026-07-28 and later)
	// the server also speaks, newest first. Empty means the server is
	// legacy only: server/discover before initialize is refused like any
	// request before the handshake. A request carrying modern _meta is
	// served statelessly; initialize selects the legacy revisions.
	ModernVersions []string
	// Tools is the initial tool list; see [Server.SetTools] for the rules.
	Tools []Tool
	// PageSize is the number of tools per tools/list page; 0 or less puts
	// all tools in one page.
	PageSize int
	// Instructions is returned by initialize; empty omits the field.
	Instructions string
	// Faults injects misbehaviour; the zero value is a well-behaved server.
	Faults Faults
	// Logger receives diagnostics (bad input, faults, cancellations);
	// nil discards them.
	Logger *slog.Logger
}

// Faults make a [Server] misbehave on purpose. The zero value injects
// nothing. Faults apply to every connection, counted per connection.
type Faults struct {
	// Noise lines are written, each followed by a newline, right before the
	// first initialize response of a connection, as a server that prints
	// banners on stdout would.
	Noise []string
	// StringIDs answers numeric request ids as JSON strings (0 becomes "0").
	StringIDs bool
	// RepeatCursor makes every tools/list page carry the same nextCursor,
	// so a client that follows cursors blindly never stops.
	RepeatCursor bool
	// HugeResultBytes, when positive, answers every tools/call with a
	// single text content of that many 'x' without running a handler.
	HugeResultBytes int
	// CrashAfterCalls, when positive, drops the connection upon receiving
	// tools/call number N: Serve returns [ErrCrash] and no pending call of
	// that connection is answered.
	CrashAfterCalls int
	// HangMethods are request methods that are never answered. Such
	// requests still count as in flight, so cancelling them is accepted.
	HangMethods []string
	// StderrLines is used by [Main] only (chatter written to stderr at
	// start); the Server ignores it.
	StderrLines int
}

var defaultProtocolVersions = [...]string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// DefaultProtocolVersions returns the protocol revisions a Server supports
// when [Options.ProtocolVersions] is empty, newest first. The caller owns the
// returned slice.
func DefaultProtocolVersions() []string {
	return append([]string(nil), defaultProtocolVersions[:]...)
}
