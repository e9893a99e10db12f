// Package conformance runs the official MCP conformance suite,
// @modelcontextprotocol/conformance, against mcpclient, and tests through
// the public API what the suite does not reach.
//
// The suite's client mode starts a test server per scenario and runs the
// conformance client (the program in the client folder) against it; the
// test fails when any check of a scenario fails or warns. Both pinned suite
// versions run: the stable one and the pre-release that adds the
// 2026-07-28 scenarios. The suite and the Node.js 22 runtime it needs are
// installed through npm by internal/npmtest.
package conformance
