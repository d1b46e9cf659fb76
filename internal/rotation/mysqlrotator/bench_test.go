package mysqlrotator

import (
	"testing"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
)

// BenchmarkRotation measures one rotation (NewPending, Set, Test) of each
// strategy against the local test server.
func BenchmarkRotation(b *testing.B) {
	f := newFixture(b)
	b.Run("single user", func(b *testing.B) {
		a := mysqladmin.Account{User: uniqueName("bench"), Host: "%"}
		f.createAccount(b, a, "first-pw", "GRANT CREATE USER ON *.* TO ?@?")
		current, previous := f.value(a.User, "first-pw", nil), ""
		r := &SingleUser{}
		for b.Loop() {
			previous, current = current, f.rotate(b, r, current, previous)
		}
	})
	b.Run("alternating users", func(b *testing.B) {
		a := mysqladmin.Account{User: uniqueName("bench"), Host: "%"}
		f.createAccount(b, a, "first-pw", "GRANT INSERT, UPDATE ON `"+f.db+"`.* TO ?@?")
		f.dropLater(b, mysqladmin.Account{User: OtherUser(a.User), Host: "%"})
		current, previous := f.value(a.User, "first-pw", map[string]any{"masterarn": f.masterARN}), ""
		r := &AlternatingUsers{}
		for b.Loop() {
			previous, current = current, f.rotate(b, r, current, previous)
		}
	})
}
