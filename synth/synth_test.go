package synth

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"
)

var asOf = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func read(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSameSeedSameFiles(t *testing.T) {
	cfg := Config{People: 500, Seed: 7, AsOf: asOf}
	a, err := Write(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Write(t.TempDir(), cfg)
	for _, k := range Kinds() {
		x, _ := os.ReadFile(a[k])
		y, _ := os.ReadFile(b[k])
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with one seed", k)
		}
	}
	cfg.Seed = 8
	c, _ := Write(t.TempDir(), cfg)
	x, _ := os.ReadFile(a["people"])
	y, _ := os.ReadFile(c["people"])
	if bytes.Equal(x, y) {
		t.Error("another seed gave the same people")
	}
}

func TestForceIsRealistic(t *testing.T) {
	files, err := Write(t.TempDir(), Config{People: 2000, Seed: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	people := read(t, files["people"])[1:]
	index := map[string]int{}
	workforce := map[string]int{}
	for i, p := range people {
		index[p[0]] = i
		workforce[p[5]]++
	}
	for _, wf := range []string{"officer", "staff", "pcso", "special", "volunteer", "contractor"} {
		if workforce[wf] == 0 {
			t.Errorf("no %s in 2,000 people", wf)
		}
	}
	for i, p := range people { // supervisors come earlier: a tree, no cycles
		if sup := p[8]; sup != "" {
			if j, ok := index[sup]; !ok || j >= i {
				t.Fatalf("%s reports to %s, who is not an earlier person", p[0], sup)
			}
		}
	}
	leap, designatedWithoutMV := 0, 0
	for _, c := range read(t, files["clearances"])[1:] {
		if strings.HasSuffix(c[4], "-02-29") {
			leap++
		}
		if c[3] == "granted_with_conditions" && c[7] == "" {
			t.Errorf("%s granted with conditions has no mitigation owner", c[0])
		}
	}
	for _, p := range read(t, files["posts"])[1:] {
		if p[4] == "true" && !strings.Contains(";"+p[3]+";", ";MV;") {
			designatedWithoutMV++
		}
	}
	if leap == 0 || designatedWithoutMV > 0 {
		t.Errorf("leap-day grants %d, designated posts without MV %d", leap, designatedWithoutMV)
	}
	for _, k := range []string{"misconduct", "circumstances", "interests", "associations"} {
		if len(read(t, files[k])) < 2 {
			t.Errorf("no %s in 2,000 people", k)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Write(b.TempDir(), Config{People: 310_000, Seed: 1, AsOf: asOf}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(310_000*float64(b.N)/b.Elapsed().Seconds(), "people/s")
}
