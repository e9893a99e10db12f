//go:build race

package authconformance

// raceEnabled builds the client with the race detector when the tests run
// with it, so that the suite's traffic also hunts data races.
const raceEnabled = true
