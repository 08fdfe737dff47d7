// Command telegent-sim serves a simulator of Telegent's token and webhook endpoints
// (create, update, delete, list; package telegentsim) for local runs, end-to-end
// tests and benchmarks. --ownership-check=false (TELEGENT_SIM_OWNERSHIP_CHECK=false)
// makes update and delete act on a WebhookId whatever AccountId is sent, as Telegent
// might; --fault takes on:<endpoints> to aim a fault at some endpoints only.
//
// Every flag has an environment fallback; run with --help for the list. The account
// secret is never a flag: it comes from --account-secret-file or from
// TELEGENT_SIM_ACCOUNT_SECRET. Logs are JSON lines on stdout; the first one carries
// the listening address (useful with --addr 127.0.0.1:0).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/platform/telegent-facade/telegentsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "telegent-sim:", err)
		os.Exit(1)
	}
}

// run loads the configuration from args and getenv, serves the simulator until ctx
// ends, then shuts down gracefully. Logs go to stdout, usage and flag errors to
// stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	sim := telegentsim.New(telegentsim.Config{
		AccountKey:     cfg.AccountKey,
		AccountSecret:  cfg.accountSecret,
		TokenLifetime:  cfg.TokenLifetime,
		Logger:         logger,
		Faults:         cfg.faults,
		ExpiryLocation: cfg.location,
		PublicBaseURL:  cfg.PublicBaseURL,

		SkipOwnershipCheck: !cfg.OwnershipCheck,
	})
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return serve(ctx, srv, ln, cfg, logger)
}

// serve runs srv on ln until ctx ends or the server fails.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, cfg config, logger *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("telegent-sim listening",
		slog.String("addr", ln.Addr().String()),
		slog.String("public_base_url", cfg.PublicBaseURL),
		slog.String("token_lifetime", cfg.TokenLifetime.String()),
		slog.String("expiry_zone", cfg.location.String()),
		slog.String("fault", cfg.faults.String()),
		slog.Bool("ownership_check", cfg.OwnershipCheck),
	)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("telegent-sim shutting down", slog.String("grace", cfg.ShutdownTimeout.String()))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// In-flight requests outlived the grace period (a long latency fault, say):
		// cut them off. Closing their connections also ends their latency waits.
		_ = srv.Close()
		<-errc
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("telegent-sim stopped")
	return nil
}
