//go:build race

package conformance

// raceEnabled builds the conformance client with the race detector when the
// tests run with it, so the suite's traffic also hunts data races.
const raceEnabled = true
