package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/internal/netutil"
)

// security is the facade's TLS and caller-authentication wiring, built
// once in New from the configuration.
type security struct {
	cfg Config
	// tls serves both listeners' certificates; nil without TLS.
	tls *tlsFiles
	// auth authenticates and authorises callers; nil when authentication
	// is off.
	auth *auth.Auth
}

// newSecurity builds the TLS and authentication wiring from cfg's loaded
// material (see Config.Load); it reads no file itself.
func newSecurity(cfg Config, m *metrics, logger *slog.Logger) (*security, error) {
	if cfg.loaded == nil {
		m, problems := cfg.loadSecurity()
		if err := errors.Join(problems...); err != nil {
			return nil, err
		}
		cfg.loaded = m
	}
	sec := &security{cfg: cfg}
	if st := cfg.loaded.tls; st != nil {
		sec.tls = tlsFilesFrom(st, cfg.TLSCertFile, cfg.TLSKeyFile, cfg.TLSClientCAFile, logger)
		m.registry.MustRegister(sec.tls.expiryGauge())
	}
	if !cfg.AuthEnabled() {
		return sec, nil
	}
	tokens, policy := cfg.loaded.tokens, cfg.loaded.policy
	for _, caller := range tokens.Callers() {
		if !policy.Names(caller) {
			logger.Warn("a caller has bearer tokens but no policy entry: it may create nothing", slog.String("caller", caller))
		}
	}
	var err error
	sec.auth, err = auth.New(auth.Config{
		Tokens:         tokens,
		MTLS:           cfg.TLSClientCAFile != "",
		CertCNFallback: cfg.AuthCertCNFallback,
		Policy:         policy,
		ProtectOps:     cfg.ProtectOps,
		Observer:       authObserver{m},
		Logger:         logger,
		OnAuthenticated: func(ctx context.Context, id auth.Identity) {
			if c := callFrom(ctx); c != nil {
				c.caller = id.Caller
			}
		},
	})
	if err != nil {
		return nil, err
	}
	logger.Info("caller authentication on", slog.Bool("bearer_tokens", tokens != nil), slog.Bool("mtls", cfg.TLSClientCAFile != ""),
		slog.Any("tokens", tokens), slog.Int("policy_callers", len(policy.Callers())), slog.Bool("protect_ops", cfg.ProtectOps))
	return sec, nil
}

// grpcOptions are the gRPC server's TLS, stream authentication and
// hostile-client limits.
func (sec *security) grpcOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{
		// Header (metadata) size, as MaxHeaderBytes for HTTP.
		grpc.MaxHeaderListSize(DefaultMaxHeaderBytes),
		// A client that does not finish the TLS and HTTP/2 handshakes in
		// time is dropped, as a slow HTTP client is.
		grpc.ConnectionTimeout(readHeaderTimeout(sec.cfg)),
	}
	if sec.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(sec.tls.serverConfig([]string{"h2"}))))
	}
	if sec.auth != nil {
		opts = append(opts, grpc.ChainStreamInterceptor(sec.auth.StreamAuthenticate()))
	}
	return opts
}

// httpTLS is the HTTP server's TLS configuration, nil without TLS.
func (sec *security) httpTLS() *tls.Config {
	if sec.tls == nil {
		return nil
	}
	return sec.tls.serverConfig([]string{"h2", "http/1.1"})
}

// httpHandler carries every HTTP request's credentials into its context
// for the interceptor chain.
func (sec *security) httpHandler(next http.Handler) http.Handler {
	if sec.auth == nil {
		return next
	}
	return sec.auth.HTTPCredentials(next)
}

// ops guards an operational HTTP endpoint (/metrics, /readyz) under
// --protect-ops.
func (sec *security) ops(next http.Handler) http.Handler {
	if sec.auth == nil || !sec.cfg.ProtectOps {
		return next
	}
	return sec.auth.RequireHTTP(next)
}

// warn says loudly what is exposed: authentication off on an address
// others can reach (the ops listener's included), or bearer tokens over
// plain text.
func (sec *security) warn(logger *slog.Logger, listeners map[string]net.Addr) {
	var exposed []string
	for name, addr := range listeners {
		if !isLoopbackAddr(addr) {
			exposed = append(exposed, name+"="+addr.String())
		}
	}
	if len(exposed) == 0 {
		return
	}
	slices.Sort(exposed)
	if !sec.cfg.AuthEnabled() {
		logger.Warn("CALLER AUTHENTICATION IS OFF on a non-loopback listener: anyone who can reach it can create webhooks for every account under the facade's Telegent credentials. "+
			"Set --auth-tokens-file or --tls-client-ca-file with --auth-policy-file, unless a service mesh authenticates and authorises every caller.",
			slog.String("listeners", strings.Join(exposed, ",")))
	}
	// The ops listener takes no tokens: it is no reason for this one.
	exposed = slices.DeleteFunc(exposed, func(l string) bool { return strings.HasPrefix(l, "ops=") })
	if sec.cfg.AuthTokensFile != "" && sec.tls == nil && len(exposed) > 0 {
		logger.Warn("bearer tokens are accepted over plain text on a non-loopback listener: set --tls-cert-file and --tls-key-file unless a service mesh encrypts the traffic",
			slog.String("listeners", strings.Join(exposed, ",")))
	}
}

// isLoopbackAddr reports whether a listener accepts loopback connections
// only. A wildcard address (":8080", "0.0.0.0", "::") is not loopback.
func isLoopbackAddr(a net.Addr) bool {
	return netutil.IsLoopbackHostPort(a.String())
}

// readHeaderTimeout is the slow-client limit, the default when unset.
func readHeaderTimeout(cfg Config) time.Duration {
	if cfg.ReadHeaderTimeout > 0 {
		return cfg.ReadHeaderTimeout
	}
	return DefaultReadHeaderTimeout
}

// useTelegentCA makes the Telegent client verify Telegent's certificate
// against pool instead of the system roots (nil: keep them). Verification
// itself is never turned off: there is no setting for that.
func useTelegentCA(hc *http.Client, pool *x509.CertPool) error {
	if pool == nil {
		return nil
	}
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		return fmt.Errorf("--telegent-ca-file: unexpected transport %T", hc.Transport)
	}
	tr = tr.Clone()
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = pool
	hc.Transport = tr
	return nil
}
