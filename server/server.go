package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	telegentfacade "github.com/platform/telegent-facade"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/buildinfo"
	"github.com/platform/telegent-facade/internal/connguard"
	"github.com/platform/telegent-facade/resilience"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/telegentsim"
	"github.com/platform/telegent-facade/validation"
)

// Server is the running facade: a gRPC listener, an HTTP listener, and in
// dev mode an embedded simulator.
type Server struct {
	cfg    Config
	logger *slog.Logger
	// requestIDs remembers the outcomes of calls that carry a request_id.
	requestIDs *requestIDs

	grpcLis, httpLis net.Listener
	grpcServer       *grpc.Server
	httpServer       *http.Server
	mux              *http.ServeMux
	gateway          *runtime.ServeMux
	inproc           *inprocConn
	metrics          *metrics
	health           *health.Server
	ready            atomic.Bool
	creds            *accountCredentials
	guard            *resilience.Guard
	stopTracing      func(context.Context) error
	debug            *debugServer // nil unless --debug-addr
	ops              *opsServer   // nil unless --ops-addr
	stopping         atomic.Bool  // SIGTERM arrived
	runCtx           context.Context
	healthMu         sync.Mutex

	// dev mode only
	sim       *telegentsim.Simulator
	simServer *http.Server
	simLis    net.Listener
}

// New builds the facade and binds its listeners; Serve runs it. Start-up
// problems (a port in use, an unusable upstream URL) are reported here.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Server, err error) {
	if cfg.loaded == nil {
		if cfg, err = cfg.Load(); err != nil {
			return nil, err
		}
	}
	s := &Server{cfg: cfg, logger: logger}
	defer func() {
		if err != nil {
			s.closeListeners()
		}
	}()

	validator, err := validation.New(&webhookv1.CreateWebhookRequest{}, &webhookv1.GetWebhookRequest{},
		&webhookv1.ListWebhooksRequest{}, &webhookv1.UpdateWebhookRequest{}, &webhookv1.DeleteWebhookRequest{})
	if err != nil {
		return nil, err
	}
	if err := warmUp(validator); err != nil {
		return nil, err
	}
	tracing := tracingWanted(cfg.OTLPEndpoint)
	s.stopTracing, err = setupTracing(ctx, tracing, cfg.OTLPEndpoint, buildinfo.Read().Version, logger)
	if err != nil {
		return nil, err
	}

	baseURL, key, secret := cfg.TelegentBaseURL, cfg.AccountKey, cfg.AccountSecret
	if cfg.Dev {
		if baseURL, key, secret, err = s.startSimulator(); err != nil {
			return nil, err
		}
	}
	m := newMetrics()
	hc := telegent.NewHTTPClient()
	if err := useTelegentCA(hc, cfg.loaded.telegentCAs); err != nil {
		return nil, err
	}
	hc.Transport = upstreamTransport(hc.Transport, tracing)
	secretFile := cfg.AccountSecretFile
	if cfg.Dev {
		secretFile = ""
	}
	if s.creds, err = newCredentials(secretFile, m.registry); err != nil {
		return nil, err
	}
	s.creds.changed = func() {
		// At start-up prefetchToken logs the refusal itself.
		if s.creds.rejected.Load() && s.ready.Load() {
			s.logger.Error("Telegent refuses the facade's credentials: not ready until it accepts them; the secret file is re-read")
		}
		s.updateHealth()
	}
	upstreamCfg := telegent.Config{
		BaseURL:        baseURL,
		AccountKey:     key,
		AccountSecret:  secret,
		HTTPClient:     hc,
		AttemptTimeout: cfg.UpstreamTimeout,
		Logger:         logger,
		Observer:       upstreamObserver{m: m, tokens: s.creds.tokenFetched},
		SetHeaders:     upstreamHeaders,
	}
	if _, err := telegent.New(upstreamCfg); err != nil {
		return nil, fmt.Errorf("configure Telegent client: %w", err)
	}
	s.guard = resilience.New(guardUpstream{s.creds}, resilience.Config{
		MaxConcurrent:    cfg.MaxUpstream,
		FailureThreshold: uint32(cfg.BreakerFailures),
		FailureRatio:     cfg.BreakerFailureRatio,
		OpenTimeout:      cfg.BreakerOpenTimeout,
		Observer:         breakerObserver{m},
		Logger:           logger,
	})
	m.registerConcurrency(s.guard)
	var dedupOpt service.Option
	if s.requestIDs, dedupOpt, err = newRequestIDs(cfg, secret, m.registry, logger); err != nil {
		return nil, err
	}
	s.creds.dedup = s.requestIDs.dedup
	s.creds.build = func(secret string, opt service.Option) (*upstream, error) {
		c := upstreamCfg
		c.AccountSecret = secret
		client, err := telegent.New(c)
		if err != nil {
			return nil, fmt.Errorf("configure Telegent client: %w", err)
		}
		return &upstream{client: client, service: service.New(s.guard, logger, opt, service.WithValidator(validator)), secret: []byte(secret)}, nil
	}
	up, err := s.creds.build(secret, dedupOpt)
	if err != nil {
		return nil, err
	}
	s.creds.cur.Store(up)

	sec, err := newSecurity(cfg, m, logger)
	if err != nil {
		return nil, err
	}
	chain := Chain{
		Logger:          logger,
		Metrics:         m.unaryInterceptor(),
		Auth:            sec.auth,
		ProtectOps:      cfg.ProtectOps,
		DefaultDeadline: cfg.UpstreamTimeout,
		Validator:       validator,
	}.Unary()
	s.grpcServer = grpc.NewServer(append(append(sec.grpcOptions(), grpcTuning(cfg.MaxUpstream)...),
		grpc.ChainUnaryInterceptor(chain...),
		grpc.ChainStreamInterceptor(expiredPeerStream),
		grpcTracing(tracing),
		// A stream has its deadline from the moment its headers arrive, so
		// that one whose message never comes (or comes in part) ends.
		grpc.InTapHandle(streamDeadline{cfg.UpstreamTimeout}.tap),
		grpc.StatsHandler(streamDeadline{cfg.UpstreamTimeout}),
		// A connection's first call ends its pending time (see guardListener).
		grpc.StatsHandler(connguard.StatsHandler()),
		grpc.MaxRecvMsgSize(DefaultMaxRequestBytes),
		grpc.MaxConcurrentStreams(uint32(cfg.MaxConcurrentStreams)),
		// Connections are recycled so that a client certificate that
		// expired, or a client CA that was replaced, stops being honoured.
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle: 15 * time.Minute, Time: 2 * time.Minute, Timeout: 20 * time.Second,
			MaxConnectionAge: cfg.MaxConnectionAge, MaxConnectionAgeGrace: cfg.ShutdownGrace,
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	)...)
	s.inproc = newInprocConn(chain)
	s.RegisterService(&webhookv1.WebhookService_ServiceDesc, s.creds)
	if s.gateway, err = newGateway(ctx, s.inproc); err != nil {
		return nil, fmt.Errorf("register gateway: %w", err)
	}
	s.health = health.NewServer()
	healthpb.RegisterHealthServer(s.grpcServer, s.health)
	s.initLifecycle(m.registry)
	reflection.Register(s.grpcServer)
	s.metrics = m
	web, err := newWebHandler(s.grpcServer, DefaultMaxRequestBytes, logger, m)
	if err != nil {
		return nil, err
	}
	origins, err := parseOrigins(cfg.CORSAllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("--cors-allowed-origins: %w", err)
	}

	s.mux = http.NewServeMux()
	s.mux.Handle("/v1/", restTracing(tracing, restMiddleware(s.gateway, DefaultMaxRequestBytes, logger, m)))
	s.mux.Handle(webServicePath, web)
	// gRPC reflection over Connect, gRPC-Web and gRPC on the HTTP port, so
	// that buf curl needs no local schema: the gRPC server's own reflection
	// service through the transcoder, behind the same chain and the same
	// --protect-ops rule (auth.IsOperational) as on the gRPC port. Under
	// --protect-ops the HTTP layer also refuses a caller without
	// credentials first, as for /metrics: a stream the chain refuses
	// while the caller holds its request side open could otherwise wait
	// for that side to end before its answer is sent.
	for _, path := range reflectionPaths {
		s.mux.Handle(path, sec.ops(web))
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.Handle("GET /readyz", sec.ops(http.HandlerFunc(s.serveReady)))
	// With an ops listener, metrics are served there only: the public port
	// carries no operational detail beyond the probes.
	if cfg.OpsAddr == "" {
		s.mux.Handle("GET /metrics", sec.ops(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})))
	}
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(telegentfacade.OpenAPI)
	})
	s.httpServer = &http.Server{
		Handler:           connguard.Handler(limitHeaders(withCORS(origins, refuseExpiredPeer(sec.httpHandler(s.mux))), DefaultMaxHeaderBytes, m)),
		ConnContext:       connguard.ConnContext,
		TLSConfig:         sec.httpTLS(),
		ReadHeaderTimeout: readHeaderTimeout(cfg),
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// limitHeaders holds the documented limit; net/http's, four
		// times as high, only stops a flood (see limitHeaders).
		MaxHeaderBytes: 4 * DefaultMaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		Protocols:      httpProtocols(),
	}

	// Every listener is tried, so that all the addresses in use are
	// reported together.
	var lc net.ListenConfig
	var grpcErr, httpErr, debugErr error
	if s.grpcLis, grpcErr = lc.Listen(ctx, "tcp", cfg.GRPCAddr); grpcErr != nil {
		grpcErr = fmt.Errorf("listen for gRPC on --grpc-addr %s: %w", cfg.GRPCAddr, grpcErr)
	}
	if s.httpLis, httpErr = lc.Listen(ctx, "tcp", cfg.HTTPAddr); httpErr != nil {
		httpErr = fmt.Errorf("listen for HTTP on --http-addr %s: %w", cfg.HTTPAddr, httpErr)
	}
	s.debug, debugErr = listenDebug(ctx, cfg.DebugAddr, logger)
	if err := errors.Join(grpcErr, httpErr, debugErr); err != nil {
		if s.debug != nil {
			_ = s.debug.lis.Close()
		}
		return nil, err
	}
	s.grpcLis = guardListener(s.grpcLis, cfg, m.registry, "grpc")
	s.httpLis = guardListener(s.httpLis, cfg, m.registry, "http")
	if s.ops, err = s.listenOps(ctx, m.registry); err != nil {
		return nil, err
	}
	sec.warn(logger, s.listenerAddrs())
	return s, nil
}

// guardListener bounds a listener's connections: past DefaultMaxConnections,
// a new one displaces the oldest that has not sent its first request, or
// waits in the kernel's backlog when every one has; and one client address
// may hold at most --max-pending-per-client connections that have not.
// So no client holds the listener with connections it never uses. The
// connections it closes, and those pending, are counted on /metrics by
// listener (name).
func guardListener(l net.Listener, cfg Config, reg prometheus.Registerer, name string) net.Listener {
	perClient := cfg.MaxPendingPerClient
	if perClient <= 0 {
		perClient = DefaultMaxPendingPerClient
	}
	g := connguard.New(l, DefaultMaxConnections, perClient)
	labels := prometheus.Labels{"listener": name}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "telegent_facade_connections_evicted_total", ConstLabels: labels,
			Help: "Connections closed before their first request: the listener was full, or their client address held its share (--max-pending-per-client).",
		}, func() float64 { return float64(g.Evicted()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "telegent_facade_connections_pending", ConstLabels: labels,
			Help: "Open connections that have not sent their first request yet.",
		}, func() float64 { return float64(g.Pending()) }),
	)
	return g
}

// listenerAddrs are the addresses callers can reach, by listener name: the
// ops listener too, which answers without authentication.
func (s *Server) listenerAddrs() map[string]net.Addr {
	addrs := map[string]net.Addr{"grpc": s.grpcLis.Addr(), "http": s.httpLis.Addr()}
	if s.ops != nil {
		addrs["ops"] = s.ops.lis.Addr()
	}
	return addrs
}

// RegisterService serves a gRPC service on the gRPC server and on the
// in-process connection REST calls go through, with the one interceptor
// chain (its unary methods: no REST route is a stream).
// Its REST routes are registered on Gateway with its generated
// Register<Service>HandlerClient and a client of InProcess. Call it before
// Serve.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.grpcServer.RegisterService(desc, impl)
	s.inproc.RegisterService(desc, impl)
}

// Gateway is the REST mux that serves /v1/.
func (s *Server) Gateway() *runtime.ServeMux { return s.gateway }

// InProcess is the in-process connection to the services registered with
// RegisterService: unary calls run on the caller's goroutine, through the
// interceptor chain.
func (s *Server) InProcess() grpc.ClientConnInterface { return s.inproc }

// GRPCAddr is the address the gRPC server listens on.
func (s *Server) GRPCAddr() net.Addr { return s.grpcLis.Addr() }

// HTTPAddr is the address the HTTP server listens on.
func (s *Server) HTTPAddr() net.Addr { return s.httpLis.Addr() }

// Serve serves until ctx is done, then shuts down gracefully: readiness and
// health turn NOT_SERVING, the listeners stop accepting, and in-flight calls
// get ShutdownGrace to finish. It returns nil after a clean shutdown.
func (s *Server) Serve(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := s.grpcServer.Serve(s.grpcLis); err != nil {
			return fmt.Errorf("serve gRPC: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		serve := s.httpServer.Serve
		if s.httpServer.TLSConfig != nil {
			// The certificate comes from TLSConfig, reloaded per handshake.
			serve = func(l net.Listener) error { return s.httpServer.ServeTLS(l, "", "") }
		}
		if err := serve(s.httpLis); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve HTTP: %w", err)
		}
		return nil
	})
	if s.debug != nil {
		g.Go(func() error { return s.debug.serve(gctx) })
	}
	if s.simServer != nil {
		g.Go(func() error {
			if err := s.simServer.Serve(s.simLis); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve simulator: %w", err)
			}
			return nil
		})
	}
	// No InitializeMetrics: it would start every method's series with an
	// empty protocol label; they appear with each protocol's first call.
	s.startLifecycle(g)
	s.runCtx = gctx
	s.prefetchToken(gctx)
	s.markReady(gctx)
	s.logger.Info("serving", slog.String("grpc_addr", s.GRPCAddr().String()), slog.String("http_addr", s.HTTPAddr().String()))

	g.Go(func() error {
		<-gctx.Done()
		return s.shutdown()
	})
	return g.Wait()
}

// prefetchToken takes a Telegent token before the facade reports ready,
// within one upstream timeout: refused credentials show in the log at
// start-up, and the first caller does not wait for a token (nor for the
// connection to Telegent, which stays open). A failure is only logged:
// calls fetch their own token as usual, so Telegent being down at start-up
// delays readiness by the timeout at most.
func (s *Server) prefetchToken(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.UpstreamTimeout)
	defer cancel()
	err := s.creds.client().PrefetchToken(ctx)
	if err == nil {
		return
	}
	if cause, te := failure.Classify(err); cause == failure.CredentialsRejected && te != nil {
		s.logger.Error("Telegent refused the facade's credentials at start-up: check the account key and secret; not ready until it accepts them (the secret file is re-read)",
			slog.Int("upstream_status", te.StatusCode), slog.Any("error", err))
		return
	}
	s.logger.Warn("could not take a Telegent token at start-up; calls will fetch their own", slog.Any("error", err))
}

// shutdown drains both servers within the grace period. REST calls run
// in-process, so both servers drain in parallel.
func (s *Server) shutdown() error {
	s.beginShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()

	var g errgroup.Group
	g.Go(func() error {
		if err := s.httpServer.Shutdown(ctx); err != nil {
			_ = s.httpServer.Close()
			return fmt.Errorf("drain HTTP: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		stopped := make(chan struct{})
		go func() {
			s.grpcServer.GracefulStop()
			close(stopped)
		}()
		select {
		case <-stopped:
			return nil
		case <-ctx.Done():
			s.grpcServer.Stop()
			return errors.New("drain gRPC: grace period over, remaining calls cut off")
		}
	})
	err := g.Wait()
	err = errors.Join(err, s.stopOps(ctx))
	// The upstream is needed until the last call is answered.
	if s.simServer != nil {
		err = errors.Join(err, s.simServer.Shutdown(ctx))
	}
	s.creds.stop()
	s.creds.client().CloseIdleConnections()
	err = errors.Join(err, s.requestIDs.close(), s.stopTracing(ctx))
	if err == nil {
		s.logger.Info("shut down cleanly")
	}
	return err
}

func (s *Server) closeListeners() {
	for _, l := range []net.Listener{s.grpcLis, s.httpLis, s.simLis} {
		if l != nil {
			_ = l.Close()
		}
	}
}

// serveReady answers 200 while the facade accepts calls, and 503 while it
// is starting or shutting down. An open circuit breaker shows in the detail but does not
// fail readiness: every replica shares the same Telegent, so taking them
// out of rotation would only turn fast UNAVAILABLE answers into connection
// errors.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	detail := map[string]string{"status": "ready", "circuit_breaker": s.guard.State().String(),
		"upstream_concurrency": concurrencyDetail(s.guard.Concurrency()),
		"request_id_store":     s.requestIDs.state(r.Context())}
	code := http.StatusOK
	if ready, status := s.readiness(); !ready {
		detail["status"], code = status, http.StatusServiceUnavailable
	}
	if s.creds.rejected.Load() {
		detail["telegent_credentials"] = credentialsRejectedDetail
	}
	writeJSON(w, code, detail)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
