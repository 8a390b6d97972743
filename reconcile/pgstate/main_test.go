package pgstate_test

import (
	"testing"

	"github.com/genuin/genuinctl/internal/pgtest"
)

// TestMain stops the shared PostgreSQL server the tests and benchmarks
// start (pgtest.Require); the test wrapper exits with m.Run's code.
func TestMain(m *testing.M) {
	m.Run()
	pgtest.StopShared()
}
