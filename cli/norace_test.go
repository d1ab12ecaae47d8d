//go:build !race

package cli_test

// raceEnabled says whether the tests run under the race detector: the
// daemons they build to run as processes are then built with it too.
const raceEnabled = false
