package format

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxBackupID     = 128
	maxObjectName   = 1024
	maxNameSegment  = 255
	maxIdentifier   = 256 // a MySQL identifier: 64 characters of up to 4 bytes
	maxText         = 256
	maxGTIDSet      = 1 << 20
	maxWrappedKey   = 4096
	maxObjectSize   = 1 << 50
	maxObjectsCount = 1 << 20
)

// validateBackupID accepts 1 to 128 letters, digits and "._:-", starting
// with a letter or digit, such as "20260301T020000Z-7f3a".
func validateBackupID(id string) error {
	if id == "" {
		return errors.New("backup id is empty")
	}
	if len(id) > maxBackupID {
		return fmt.Errorf("backup id is %d bytes long, at most %d are allowed", len(id), maxBackupID)
	}
	if !isAlnum(id[0]) {
		return fmt.Errorf("backup id %q does not start with a letter or digit", id)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && !strings.ContainsRune("._:-", rune(c)) {
			return fmt.Errorf("backup id %q contains %q; only letters, digits and ._:- are allowed", id, c)
		}
	}
	return nil
}

// validateObjectName accepts a relative path of segments separated by "/",
// each 1 to 255 of letters, digits and "._+=@%-", none "." or "..", at most
// 1024 bytes in all, and not the manifest's own name. Names like this are
// safe as file names and object keys on every store.
func validateObjectName(name string) error {
	switch {
	case name == "":
		return errors.New("object name is empty")
	case len(name) > maxObjectName:
		return fmt.Errorf("object name is %d bytes long, at most %d are allowed", len(name), maxObjectName)
	case name == ManifestName:
		return fmt.Errorf("object name %q is reserved for the manifest", name)
	case name[0] == '/':
		return fmt.Errorf("object name %q is an absolute path; names are relative to the backup", name)
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("object name %q has an empty path segment", name)
		case seg == "." || seg == "..":
			return fmt.Errorf("object name %q has a %q path segment", name, seg)
		case len(seg) > maxNameSegment:
			return fmt.Errorf("object name %q has a segment of %d bytes, at most %d are allowed", name, len(seg), maxNameSegment)
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !isAlnum(c) && !strings.ContainsRune("._+=@%-", rune(c)) {
				return fmt.Errorf("object name %q contains %q; only letters, digits, / and ._+=@%%- are allowed", name, c)
			}
		}
	}
	return nil
}

// validateToken accepts a lower-case word such as "mariadb" or
// "single-transaction": 1 to 64 of a-z, 0-9 and "._-", starting with a letter
// or digit.
func validateToken(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if len(s) > 64 {
		return fmt.Errorf("is %d bytes long, at most 64 are allowed", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		lowerAlnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !lowerAlnum && (i == 0 || !strings.ContainsRune("._-", rune(c))) {
			return fmt.Errorf("%q is not a lower-case word (a-z, 0-9, ._-)", s)
		}
	}
	return nil
}

// validatePrintable accepts 1 to max printable ASCII characters without
// spaces, such as a version string or a key provider id.
func validatePrintable(s string, max int) error {
	if s == "" {
		return errors.New("is empty")
	}
	if len(s) > max {
		return fmt.Errorf("is %d bytes long, at most %d are allowed", len(s), max)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("contains %q; only printable ASCII without spaces is allowed", c)
		}
	}
	return nil
}

// validateText accepts valid UTF-8 of at most max bytes without control
// characters or the line and paragraph separators U+2028 and U+2029, so that
// its JSON form escapes nothing but '"' and '\'.
func validateText(s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("is %d bytes long, at most %d are allowed", len(s), max)
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("contains the control character %U", r)
		}
	}
	return nil
}

// validateAddress accepts "host:port" (a host name or IP address, IPv6 in
// brackets) or "unix:" and an absolute socket path. It never accepts user
// information such as "user:password@".
func validateAddress(addr string) error {
	if addr == "" {
		return errors.New("is empty")
	}
	if len(addr) > maxText {
		return fmt.Errorf("is %d bytes long, at most %d are allowed", len(addr), maxText)
	}
	if strings.ContainsAny(addr, "@") {
		return errors.New("contains '@': an address holds a host and a port, never credentials")
	}
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if !strings.HasPrefix(path, "/") {
			return fmt.Errorf("socket path %q is not absolute", path)
		}
		for i := 0; i < len(path); i++ {
			if c := path[i]; !isAlnum(c) && !strings.ContainsRune("/._-", rune(c)) {
				return fmt.Errorf("socket path %q contains %q", path, c)
			}
		}
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port or unix:/path", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isAlnum(c) && !strings.ContainsRune(".-:", rune(c)) {
			return fmt.Errorf("host %q contains %q", host, c)
		}
	}
	return nil
}

// validateBinlogFile accepts a binary log file name such as
// "mysql-bin.000042": 1 to 255 letters, digits and "._-".
func validateBinlogFile(s string) error {
	if len(s) > maxNameSegment {
		return fmt.Errorf("is %d bytes long, at most %d are allowed", len(s), maxNameSegment)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("._-", rune(c)) {
			return fmt.Errorf("%q contains %q", s, c)
		}
	}
	return nil
}

// validateGTIDSet accepts a MySQL GTID set ("uuid:1-5,uuid:tag:1-3") or a
// MariaDB GTID position ("0-1-100,1-2-7") without whitespace.
func validateGTIDSet(s string) error {
	if len(s) > maxGTIDSet {
		return fmt.Errorf("is %d bytes long, at most %d are allowed", len(s), maxGTIDSet)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune(":,-_", rune(c)) {
			return fmt.Errorf("contains %q; a GTID set holds letters, digits and :,-_ (remove whitespace)", c)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
