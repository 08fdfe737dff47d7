// Command gatewaypeer is the "boilerplate peer" of the load benchmarks: the
// usual grpc-gateway deployment, as grpc-gateway's own examples and
// boilerplate projects build it. One process runs a gRPC server and a
// grpc-gateway ServeMux (runtime.NewServeMux with its defaults) whose
// generated handlers dial that server over a loopback connection, so every
// REST call is encoded to protobuf, sent over HTTP/2 to the same process,
// decoded, served, and back.
//
// The gRPC server is the facade's own (server.New, configured by the same
// flags as cmd/telegent-facade), so the peer does the same work per call
// (validation, the Telegent call, the log line, metrics) and differs from
// the facade's REST only in how a REST call reaches the service. The
// facade's REST listener (--http-addr) keeps serving probes; REST callers
// of the peer use --gateway-addr.
//
// It is not a product binary; bench/loadbench and bench/scalebench build
// and run it as its own process, so its CPU time is accounted separately.
//
//	gatewaypeer --gateway-addr 127.0.0.1:8090 [telegent-facade flags ...]
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/server"
)

func main() {
	// As cmd/telegent-facade does, so that both spend the same on GC.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatewaypeer:", err)
		os.Exit(1)
	}
}

// splitGatewayAddr takes --gateway-addr ADDR (or --gateway-addr=ADDR) out
// of args; the rest are the facade's flags.
func splitGatewayAddr(args []string) (addr string, rest []string) {
	for i := 0; i < len(args); i++ {
		if args[i] == "--gateway-addr" && i+1 < len(args) {
			addr = args[i+1]
			i++
		} else if v, ok := strings.CutPrefix(args[i], "--gateway-addr="); ok {
			addr = v
		} else {
			rest = append(rest, args[i])
		}
	}
	return addr, rest
}

func run(ctx context.Context, args []string) error {
	gatewayAddr, args := splitGatewayAddr(args)
	if gatewayAddr == "" {
		return errors.New("--gateway-addr is required")
	}
	cfg, err := server.LoadConfig(args, os.Getenv, os.Stderr)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	server.ConfigureMemoryLimit(logger)
	srv, err := server.New(ctx, cfg, logger)
	if err != nil {
		return err
	}

	// The boilerplate: a default ServeMux, the generated handlers, a
	// client connection to the gRPC server's own address.
	mux := runtime.NewServeMux()
	if err := webhookv1.RegisterWebhookServiceHandlerFromEndpoint(ctx, mux, srv.GRPCAddr().String(),
		[]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}); err != nil {
		return fmt.Errorf("register gateway: %w", err)
	}
	ln, err := net.Listen("tcp", gatewayAddr)
	if err != nil {
		return fmt.Errorf("listen on --gateway-addr: %w", err)
	}
	gw := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	gwErr := make(chan error, 1)
	go func() { gwErr <- gw.Serve(ln) }()

	serveErr := srv.Serve(ctx)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = gw.Shutdown(shutdownCtx)
	if e := <-gwErr; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return errors.Join(serveErr, err)
}
