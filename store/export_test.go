package store

import "context"

// ForgetByNameUpTo lets a test make an import forget everyone.
var ForgetByNameUpTo = &forgetByNameUpTo

// AuditChangeLines lets a test list fewer changes to an audit entry.
var AuditChangeLines = &auditChangeLines

// BulkRows lets a test make every load a bulk load, or none.
var BulkRows = &bulkRows

// BulkLockWait lets a test give up on a held table sooner.
var BulkLockWait = &bulkLockWait

// MigrateDownTo undoes the migrations after version v, for a test to run
// a migration again over rows written before it.
func (s *Store) MigrateDownTo(ctx context.Context, v int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}

// Setting returns the value of a PostgreSQL setting inside the import's transaction.
func (it *ImportTx) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := it.tx.GetContext(ctx, &v, `SELECT current_setting($1)`, name)
	return v, err
}
