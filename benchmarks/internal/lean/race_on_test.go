//go:build race

package lean

// raceEnabled is true under -race, whose instrumentation allocates where a
// plain build does not.
const raceEnabled = true
