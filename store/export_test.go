package store

// ForgetByNameUpTo lets a test make an import forget everyone.
var ForgetByNameUpTo = &forgetByNameUpTo
