package main

import (
	"fmt"

	"github.com/dbwarden/dbwarden/internal/mysqladmin"
	"github.com/dbwarden/dbwarden/internal/rotation"
	"github.com/dbwarden/dbwarden/internal/rotation/mysqlrotator"
	"github.com/dbwarden/dbwarden/internal/secret"
)

// dbwarden's built-in rotators, by the names a RotationLambdaARN may give.
const (
	rotatorSingleUser  = "dbwarden:mysql-single-user"
	rotatorAlternating = "dbwarden:mysql-alternating-users"
	rotatorNames       = rotatorSingleUser + ", " + rotatorAlternating
)

// chooseRotator picks the rotator for a secret: the one its
// RotationLambdaARN names, else the one its value calls for (alternating
// users when it has a masterarn, single user otherwise). Passwords follow
// mysqlrotator.DefaultPasswordSpec.
var chooseRotator = rotatorsWith(nil)

// rotatorsWith is chooseRotator with passwords generated to spec (nil for
// the default).
func rotatorsWith(spec *secret.PasswordSpec) func(name, current string) (rotation.Rotator, error) {
	opts := mysqlrotator.Options{PasswordSpec: spec}
	return func(name, current string) (rotation.Rotator, error) {
		switch name {
		case rotatorSingleUser:
			// With a masterarn, the master keeps both passwords valid
			// during the rotation, which a user cannot do for itself on
			// MariaDB without the CREATE USER privilege.
			return &mysqlrotator.SingleUser{Options: opts, ViaMaster: true}, nil
		case rotatorAlternating:
			return &mysqlrotator.AlternatingUsers{Options: opts}, nil
		}
		c, err := mysqladmin.ParseCredentials([]byte(current))
		if err != nil {
			return nil, fmt.Errorf("the secret's value is not database credentials: %w", err)
		}
		if c.MasterARN != "" {
			return &mysqlrotator.AlternatingUsers{Options: opts}, nil
		}
		return &mysqlrotator.SingleUser{Options: opts}, nil
	}
}
