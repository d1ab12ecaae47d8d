// Package migrations holds the schema of vettingd as numbered SQL files, one
// folder per dialect with the same version numbers, applied by goose.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
