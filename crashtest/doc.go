// Package crashtest kills the real vettingd process with SIGKILL at random
// moments — during an import, a plan and a dispatch — and checks that what
// it leaves behind is whole: an import is all there or not at all (SPEC
// §3), planning after a restart neither duplicates nor loses a review
// (§4), and every message owed is delivered, a second time only when its
// sender died within the lease (§5).
//
// The tests build the binary once, run on SQLite and PostgreSQL, and kill
// each command 20 times; -crash.runs N (or VETTINGD_CRASH_RUNS=N) runs
// longer loops, and -crash.seed S replays the kill times of a logged seed.
package crashtest
