//go:build !race

package mcpclient

// raceEnabled reports a build with the race detector, which changes
// allocation counts.
const raceEnabled = false
