package server

import (
	"log/slog"
	"os"
	"runtime/debug"
	"testing"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// TestMemoryLimit: without GOMEMLIMIT the soft limit is MemoryLimitRatio of
// the container's limit; GOMEMLIMIT, when set, is left as it is.
func TestMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const container = 256 << 20
	logger := slog.New(slog.DiscardHandler)

	t.Run("from the container", func(t *testing.T) {
		unsetenv(t, "GOMEMLIMIT")
		unsetenv(t, "AUTOMEMLIMIT")
		got := configureMemoryLimit(logger, memlimit.Limit(container))
		ratio := MemoryLimitRatio
		if want := int64(float64(container) * ratio); got != want || debug.SetMemoryLimit(-1) != want {
			t.Errorf("limit = %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), want)
		}
	})
	t.Run("GOMEMLIMIT wins", func(t *testing.T) {
		debug.SetMemoryLimit(100 << 20) // as the runtime does with GOMEMLIMIT=100MiB
		t.Setenv("GOMEMLIMIT", "100MiB")
		if got := configureMemoryLimit(logger, memlimit.Limit(container)); got != 100<<20 {
			t.Errorf("limit = %d, want GOMEMLIMIT's %d", got, 100<<20)
		}
	})
}

// unsetenv removes key from the environment for the test's duration.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "") // restores the previous value afterwards
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
