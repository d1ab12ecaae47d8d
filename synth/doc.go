// Package synth writes the CSV files of a synthetic UK police force — posts,
// people in a supervisor tree, clearances of every vetting level and a
// sprinkling of vetting events — in the format the importer reads (SPEC §3).
// The tests, the demo and the benchmarks use it; no real person's data is
// involved.
//
// The same Config (seed included) always gives byte-identical files, so a
// failing test or a benchmark can be reproduced exactly.
//
// Write streams: each row goes to a buffered writer as soon as it is made.
// What it keeps per person is a few bytes in flat slices (supervisor, depth
// and height in the tree, post), so a force of 310,000 people takes a few
// seconds and a few megabytes.
//
// The force is shaped so that the rules of SPEC §4 have something to find:
// most people are fully vetted, but about 3% have a gap (a level never
// granted, only an expired grant, or a grant later withdrawn or refused),
// some clearances expire within six months, a few are granted with
// conditions or with adverse information and name a mitigation owner, and
// some are decided on a 29 February to exercise leap-year arithmetic.
package synth
