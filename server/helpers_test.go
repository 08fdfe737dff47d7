package server

import (
	"context"
	"log/slog"
	"testing"
)

// StartForTest creates a facade from cfg, lets register add services and
// routes before it serves, and runs it until tb ends. The cleanup stops the
// facade and fails tb if Serve returned an error, so every test that uses it
// checks the shutdown as well. It is exported for the external test package.
func StartForTest(tb testing.TB, cfg Config, logger *slog.Logger, register func(*Server)) *Server {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg, logger)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	if register != nil {
		register(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return srv
}
