package store

// ForgetByNameUpTo lets a test make an import forget everyone.
var ForgetByNameUpTo = &forgetByNameUpTo

// AuditChangeLines lets a test list fewer changes to an audit entry.
var AuditChangeLines = &auditChangeLines
