// Package bench holds vettingd's national-scale benchmark. `make bench` runs
// its BenchmarkNational, which generates a force (VETTINGD_BENCH_PEOPLE
// people, 310,000 by default), drives the real binary, the planner and the
// real HTTP handlers on PostgreSQL and on SQLite, and prints one table per
// backend with every figure of the benchmark beside its target. The package
// has no code of its own outside its tests.
package bench
