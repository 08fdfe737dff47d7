package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// Config configures New.
type Config struct {
	// Tokens enables bearer-token authentication; nil leaves it off.
	Tokens *Tokens
	// MTLS lets verified client certificates identify callers. The TLS
	// layer must verify them against the client CA.
	MTLS bool
	// CertCNFallback names a certificate without URI SANs by its subject
	// common name, as "cn:NAME". Off by default: common names are often
	// not unique within a CA and carry no namespace, so only a CA issuing
	// solely for this facade should be trusted with them. Needs MTLS.
	CertCNFallback bool
	// Policy says which accounts each caller may act for. Required.
	Policy *Policy
	// ProtectOps requires authentication for gRPC health and reflection too
	// (the HTTP side wraps /metrics and /readyz in RequireHTTP). Any
	// authenticated caller may use them; the policy is about accounts.
	ProtectOps bool
	// Observer counts failures and decisions; nil counts nothing.
	Observer Observer
	// Logger receives refusals the request log line does not cover
	// (streams, HTTP endpoints outside the gateway).
	Logger *slog.Logger
	// OnAuthenticated, if set, is called with every authenticated caller
	// on the call's context (the server records the caller for its
	// request log line).
	OnAuthenticated func(ctx context.Context, id Identity)
}

// Auth authenticates and authorises calls. It is safe for concurrent use.
type Auth struct {
	cfg       Config
	errs      map[Failure]error
	challenge string // WWW-Authenticate of a 401, "" when no HTTP scheme applies
}

// New builds an Auth. At least one authentication method and a policy are
// required: an Auth that could let nobody in, or everybody, is a
// configuration mistake.
func New(cfg Config) (*Auth, error) {
	if cfg.Tokens == nil && !cfg.MTLS {
		return nil, errors.New("auth: no authentication method (tokens or mTLS)")
	}
	if cfg.Policy == nil {
		return nil, errors.New("auth: no authorisation policy")
	}
	if cfg.CertCNFallback && !cfg.MTLS {
		return nil, errors.New("auth: the certificate common name fallback needs client certificates (mTLS)")
	}
	for _, c := range cfg.Policy.Callers() {
		if strings.HasPrefix(c, CNCallerPrefix) && !cfg.CertCNFallback {
			return nil, fmt.Errorf("auth: the policy names %q, but certificate common names name no caller unless the common name fallback is on", c)
		}
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &Auth{cfg: cfg, errs: map[Failure]error{}}
	for f := range failureMessages {
		a.errs[f] = unauthenticatedError(f)
	}
	if cfg.Tokens != nil {
		a.challenge = `Bearer realm="telegent-facade"`
	}
	return a, nil
}

// authenticate resolves credentials to an identity. A bearer token, when
// tokens are enabled and one is presented, decides alone: a wrong token is
// refused even over a valid client certificate, never silently ignored.
// Without a token, a verified client certificate identifies the caller.
// With tokens disabled the Authorization header is ignored.
func (a *Auth) authenticate(c Credentials) (Identity, Failure) {
	if a.cfg.Tokens != nil {
		if c.malformed {
			return Identity{}, FailureMalformed
		}
		if c.bearer != "" {
			caller, ok := a.cfg.Tokens.Lookup(c.bearer)
			if !ok {
				return Identity{}, FailureInvalidToken
			}
			return Identity{Caller: TokenCallerPrefix + caller, Method: MethodToken}, ""
		}
	}
	if a.cfg.MTLS && c.cert != nil {
		caller := CertificateCaller(c.cert, a.cfg.CertCNFallback)
		if caller == "" {
			return Identity{}, FailureNoIdentity
		}
		return Identity{Caller: caller, Method: MethodMTLS}, ""
	}
	return Identity{}, FailureMissing
}

// check authenticates creds and returns ctx carrying the identity.
func (a *Auth) check(ctx context.Context, creds Credentials) (context.Context, Failure) {
	id, f := a.authenticate(creds)
	if f != "" {
		a.cfg.Observer.AuthenticationFailed(f)
		return ctx, f
	}
	if a.cfg.OnAuthenticated != nil {
		a.cfg.OnAuthenticated(ctx, id)
	}
	return WithIdentity(ctx, id), ""
}

// IsOperational reports whether a method (its full name, /service/method)
// is an operational one: health checks and reflection. They need no account
// and are open unless ProtectOps. It is the one rule for this: the server's
// interceptor chain exempts the same methods from authentication.
func IsOperational(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") || strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// Authenticate is the unary interceptor that authenticates the caller and
// puts its Identity into the context; unauthenticated calls end here with
// UNAUTHENTICATED (HTTP 401). Place it before request validation.
func (a *Auth) Authenticate() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !a.cfg.ProtectOps && IsOperational(info.FullMethod) {
			return handler(ctx, req)
		}
		ctx, f := a.check(ctx, credentialsFrom(ctx))
		if f != "" {
			return nil, a.errs[f]
		}
		return handler(ctx, req)
	}
}

// accountRequest is a request made on behalf of one account. Every request
// of the webhook service (create, get, list, update, delete) satisfies it
// through its account_id field, so authorisation has one path for all of
// them; a request type without it is denied.
type accountRequest interface{ GetAccountId() string }

// Authorize is the unary interceptor that lets a call through only if the
// policy allows its caller to act for the request's account id; otherwise
// PERMISSION_DENIED (HTTP 403) with a google.rpc.ErrorInfo. Place it after
// request validation, so the account id it checks is well-formed, and after
// Authenticate. It fails closed: a call without an identity is
// UNAUTHENTICATED, and a non-operational request without an account id is
// denied.
func (a *Auth) Authorize() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if IsOperational(info.FullMethod) {
			return handler(ctx, req)
		}
		id, ok := IdentityFrom(ctx)
		if !ok {
			return nil, a.errs[FailureMissing]
		}
		r, ok := req.(accountRequest)
		if !ok {
			a.cfg.Observer.AuthorizationDecided(DecisionDeny)
			return nil, methodDeniedError(id.Caller)
		}
		account := r.GetAccountId()
		if !a.cfg.Policy.Allows(id.Caller, account) {
			a.cfg.Observer.AuthorizationDecided(DecisionDeny)
			return nil, deniedError(id.Caller, account)
		}
		a.cfg.Observer.AuthorizationDecided(DecisionAllow)
		return handler(ctx, req)
	}
}

// StreamAuthenticate is the stream interceptor: our service has no
// streaming methods, so it guards health's Watch and reflection under
// ProtectOps, and refuses any other stream (fail closed).
func (a *Auth) StreamAuthenticate() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ops := IsOperational(info.FullMethod)
		if ops && !a.cfg.ProtectOps {
			return handler(srv, ss)
		}
		ctx, f := a.check(ss.Context(), credentialsFrom(ss.Context()))
		if f != "" {
			a.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "call refused: authentication failed",
				slog.String("method", info.FullMethod), slog.String("failure", string(f)))
			return a.errs[f]
		}
		if !ops {
			id, _ := IdentityFrom(ctx)
			a.cfg.Observer.AuthorizationDecided(DecisionDeny)
			return methodDeniedError(id.Caller)
		}
		return handler(srv, &identityStream{ServerStream: ss, ctx: ctx})
	}
}

type identityStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *identityStream) Context() context.Context { return s.ctx }

// HTTPCredentials puts every request's credentials (Authorization header,
// verified client certificate) into its context, where the interceptors
// find them for REST calls, and gives 401 answers the WWW-Authenticate
// challenge RFC 7235 asks for (the gateway would put the status message
// there).
func (a *Auth) HTTPCredentials(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := WithCredentials(r.Context(), CredentialsFromHTTP(r))
		next.ServeHTTP(&challengeWriter{ResponseWriter: w, challenge: a.challenge}, r.WithContext(ctx))
	})
}

// RequireHTTP answers 401, with a google.rpc.Status JSON body, to requests
// that do not authenticate, and serves the others with next. It guards
// /metrics and /readyz under ProtectOps.
func (a *Auth) RequireHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, ok := r.Context().Value(credentialsKey{}).(Credentials)
		if !ok {
			creds = CredentialsFromHTTP(r)
		}
		ctx, f := a.check(r.Context(), creds)
		if f == "" {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		a.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "request refused: authentication failed",
			slog.String("method", r.Method+" "+r.URL.Path), slog.String("failure", string(f)))
		body, _ := protojson.Marshal(status.Convert(a.errs[f]).Proto())
		w.Header().Set("Content-Type", "application/json")
		if a.challenge != "" {
			w.Header().Set("WWW-Authenticate", a.challenge)
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write(body)
	})
}

// challengeWriter replaces the WWW-Authenticate header of a 401 with the
// proper challenge: Bearer when tokens are enabled; none with client
// certificates only (no HTTP authentication scheme describes TLS client
// authentication).
type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (w *challengeWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized {
		if w.challenge != "" {
			w.Header().Set("WWW-Authenticate", w.challenge)
		} else {
			w.Header().Del("WWW-Authenticate")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
