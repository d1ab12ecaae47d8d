package store

// ForgetByNameUpTo lets a test make an import forget everyone.
var ForgetByNameUpTo = &forgetByNameUpTo

// AuditChangeLines lets a test list fewer changes to an audit entry.
var AuditChangeLines = &auditChangeLines

// BulkRows lets a test make every load a bulk load, or none.
var BulkRows = &bulkRows

// BulkLockWait lets a test give up on a held table sooner.
var BulkLockWait = &bulkLockWait
