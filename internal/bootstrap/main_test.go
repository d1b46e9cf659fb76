package bootstrap

import (
	"testing"

	"github.com/dbwarden/dbwarden/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
