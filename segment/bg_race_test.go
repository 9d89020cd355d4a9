//go:build race

package segment

// bgRace is true under the race detector, which makes the grid tests ten times slower:
// they then run a tenth of their default grid.
const bgRace = true
