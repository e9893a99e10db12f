//go:build !race

package authconformance

const raceEnabled = false
