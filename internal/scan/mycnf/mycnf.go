// Package mycnf loads MySQL option files (my.cnf), following !include and
// !includedir, into scan Resources.
package mycnf

import "github.com/dbwarden/dbwarden/internal/scan"

// Detect reports whether a file is a MySQL option file, by name and content.
func Detect(name string, src []byte) bool { return false }

// Load adds the sections of the option file at path (and of the files it
// includes) to p.
func Load(p *scan.Project, path string) error { return nil }
