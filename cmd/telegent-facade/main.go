// Command telegent-facade serves telegent.webhook.v1.WebhookService over gRPC
// and REST in front of Telegent's webhook API.
//
// Run with --dev to use an embedded Telegent simulator; --help lists every
// flag and its environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/platform/telegent-facade/internal/buildinfo"
	"github.com/platform/telegent-facade/server"
)

// Exit codes.
const (
	exitFailure = 1
	exitConfig  = 2
)

// defaultGCPercent replaces Go's GOGC default of 100 unless GOGC is set.
// The facade's live heap is a few megabytes, so at 100 it collects about
// ten times a second under load, and every collection also shrinks the
// stacks of idle gRPC workers, which their next calls grow again. 400 trades
// some 20 MB of heap for a quarter of that work (see BENCHMARKS.md).
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := server.LoadConfig(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, server.ErrVersion):
		bi := buildinfo.Read()
		fmt.Fprintf(stdout, "telegent-facade %s (revision %s, %s)\n", bi.Version, bi.Revision, bi.GoVersion)
		return 0
	case err != nil:
		// Addresses in use are reported with the other problems, not on
		// the next attempt.
		fmt.Fprintf(stderr, "telegent-facade: invalid configuration:\n%v\n", errors.Join(err, server.CheckListen(cfg)))
		return exitConfig
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	server.ConfigureMemoryLimit(logger)
	logger.Info("starting", slog.Any("config", cfg))

	srv, err := server.New(ctx, cfg, logger)
	if err != nil {
		// A port in use and the like: reported plainly, as configuration
		// problems are, since the operator fixes them the same way.
		fmt.Fprintf(stderr, "telegent-facade: cannot start:\n%v\n", err)
		return exitConfig
	}
	if cfg.Dev {
		srv.PrintDevUsage(stdout)
	}
	if err := srv.Serve(ctx); err != nil {
		logger.Error("stopped with an error", slog.Any("error", err))
		return exitFailure
	}
	return 0
}
