package importer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"vettingd/synth"
)

// BenchmarkParseValidate measures the importer's own work on each line of
// a file — CSV parsing, every cell's type and the row's checks — without
// the database: an op is one line of a generated force's file.
func BenchmarkParseValidate(b *testing.B) {
	files, err := synth.Write(b.TempDir(), synth.Config{People: 20000, Seed: 1, AsOf: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"people", "clearances", "circumstances"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(files[name])
			if err != nil {
				b.Fatal(err)
			}
			k := kinds[name]
			vals := make([]any, len(k.fields)+len(k.extra))
			problems := 0
			add := func(string, string) { problems++ }
			var in *reader
			var lay layout
			restart := func() {
				in = newReader(bytes.NewReader(data))
				var ps []Problem
				var err error
				if lay, ps, err = readHeader(in, k, nil, &Report{}); len(ps) > 0 || err != nil {
					b.Fatal(ps, err)
				}
			}
			restart()
			b.SetBytes(int64(len(data)) / int64(max(1, bytes.Count(data, []byte("\n"))-1)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				rec, tooLong, err := in.read()
				if errors.Is(err, io.EOF) {
					b.StopTimer()
					restart()
					b.StartTimer()
					rec, tooLong, err = in.read()
				}
				if err != nil || tooLong {
					b.Fatal(err, tooLong)
				}
				parseRow(rec, k, lay, vals, add)
			}
			b.StopTimer()
			if problems > 0 {
				b.Fatalf("%d problems in a generated file", problems)
			}
		})
	}
}
