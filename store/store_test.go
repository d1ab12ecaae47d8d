package store_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"vettingd/migrations"
	"vettingd/store"
	"vettingd/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestMigrationFoldersListTheSameVersions(t *testing.T) {
	list := func(dir string) []string {
		entries, err := fs.ReadDir(migrations.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		var v []string
		for _, e := range entries {
			v = append(v, strings.SplitN(e.Name(), "_", 2)[0])
		}
		return v
	}
	pg, lite := list("postgres"), list("sqlite")
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Fatalf("postgres versions %v, sqlite versions %v", pg, lite)
	}
}

func TestMigrateIsIdempotentAndSchemaChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, %v", applied, err)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("CheckSchema on a migrated database: %v", err)
		}
	})
}

func TestSchemaBehindIsReported(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/fresh.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CheckSchema(ctx); err != store.ErrSchemaBehind {
		t.Fatalf("CheckSchema on an empty database = %v, want ErrSchemaBehind", err)
	}
}

func TestDatabaseEnforcesEnumerationsAndKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		s, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		bad := []string{
			`INSERT INTO posts (post_id, title, required_levels, designated, first_imported_on, updated_at) VALUES ('P1', 'T', 'RV', true, '2026-01-01', '2026-01-01 00:00:00')`,
			`INSERT INTO people (employee_id, given_name, family_name, workforce_type, start_date, first_imported_on, updated_at) VALUES ('E1', 'A', 'B', 'wizard', '2020-01-01', '2026-01-01', '2026-01-01 00:00:00')`,
			`INSERT INTO people (employee_id, given_name, family_name, workforce_type, start_date, end_date, first_imported_on, updated_at) VALUES ('E1', 'A', 'B', 'staff', '2020-01-01', '2019-01-01', '2026-01-01', '2026-01-01 00:00:00')`,
			`INSERT INTO clearances (clearance_ref, employee_id, level, decision, decided_on, first_imported_on, updated_at) VALUES ('C1', 'NOBODY', 'RV', 'granted', '2020-01-01', '2026-01-01', '2026-01-01 00:00:00')`,
		}
		for _, q := range bad {
			err := s.WithTx(ctx, func(tx *sqlx.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
			if err == nil {
				t.Errorf("the database accepted: %s", q)
			}
		}
	})
}
