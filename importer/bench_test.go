package importer_test

import (
	"testing"

	"vettingd/civil"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// benchAsOf is the date the fuzz tests import as of. The national import
// benchmark (rows/s beside psql's \copy) is bench.BenchmarkNational.
var benchAsOf = civil.MustParse("2026-11-02")
