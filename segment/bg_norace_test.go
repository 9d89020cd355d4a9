//go:build !race

package segment

// bgRace is true under the race detector (see bg_race_test.go).
const bgRace = false
