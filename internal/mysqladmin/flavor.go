package mysqladmin

import (
	"fmt"
	"strconv"
	"strings"
)

// Flavor is the server family: statements differ between them.
type Flavor string

// The flavors dbwarden knows.
const (
	MySQL   Flavor = "mysql"
	MariaDB Flavor = "mariadb"
)

// User name limits, in characters: MySQL since 5.7.8 and MariaDB.
const (
	MaxMySQLUserNameLength   = 32
	MaxMariaDBUserNameLength = 80
	// MaxUserNameLength is the longest any supported server allows.
	MaxUserNameLength = MaxMariaDBUserNameLength
)

// Version is a server version number.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v is major.minor.patch or later.
func (v Version) AtLeast(major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// ServerInfo is what a server says it is.
type ServerInfo struct {
	Flavor  Flavor
	Version Version
	Raw     string // SELECT VERSION(), as returned
}

// ParseServerInfo reads the result of SELECT VERSION(), such as
// "8.0.36", "8.0.36-28" (Percona) or "10.11.14-MariaDB-0+deb12u2". MariaDB
// before 11 may also report "5.5.5-10.11.14-MariaDB" in the handshake; the
// real version follows that prefix. versionComment (@@version_comment) helps
// when VERSION() does not name MariaDB; it may be "".
func ParseServerInfo(version, versionComment string) (ServerInfo, error) {
	info := ServerInfo{Flavor: MySQL, Raw: version}
	s := strings.TrimSpace(version)
	if strings.Contains(strings.ToLower(s), "mariadb") || strings.Contains(strings.ToLower(versionComment), "mariadb") {
		info.Flavor = MariaDB
		s = strings.TrimPrefix(s, "5.5.5-")
	}
	end := 0
	for end < len(s) && (s[end] == '.' || (s[end] >= '0' && s[end] <= '9')) {
		end++
	}
	parts := strings.Split(s[:end], ".")
	if len(parts) < 2 || len(parts) > 3 {
		return ServerInfo{}, fmt.Errorf("server version %q: want major.minor[.patch]", version)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 1<<20 {
			return ServerInfo{}, fmt.Errorf("server version %q: want major.minor[.patch]", version)
		}
		nums[i] = n
	}
	info.Version = Version{nums[0], nums[1], nums[2]}
	return info, nil
}

func (i ServerInfo) String() string { return string(i.Flavor) + " " + i.Version.String() }

// MaxUserNameLength returns the longest user name the server accepts, in
// characters.
func (i ServerInfo) MaxUserNameLength() int {
	if i.Flavor == MariaDB {
		return MaxMariaDBUserNameLength
	}
	if !i.Version.AtLeast(5, 7, 8) {
		return 16
	}
	return MaxMySQLUserNameLength
}

// DualPasswords reports whether the server can keep two passwords valid for
// one account: MySQL 8.0.14 and later with RETAIN CURRENT PASSWORD, MariaDB
// 10.4 and later with several authentication methods joined by OR.
func (i ServerInfo) DualPasswords() bool {
	if i.Flavor == MariaDB {
		return i.Version.AtLeast(10, 4, 0)
	}
	return i.Version.AtLeast(8, 0, 14)
}

// MaxUserNameLengthForEngine returns the user name limit for a credentials
// document's engine, before any server is asked: 80 for "mariadb", 32
// otherwise.
func MaxUserNameLengthForEngine(engine string) int {
	if engine == "mariadb" {
		return MaxMariaDBUserNameLength
	}
	return MaxMySQLUserNameLength
}
