package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"google.golang.org/grpc"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/validation"
)

// Chain is what the one interceptor chain is built from. Every call, over
// gRPC, REST and any protocol served through the gRPC server, runs the same
// chain, in the order go-grpc-middleware recommends:
//
//  1. correlation id, the retry pushback trailer (from the final status) and
//     the request log line, outermost, so that every call is logged with
//     its id, whatever happens inside;
//  2. metrics (telegent_facade_grpc_server_handled_total and the handling time);
//  3. authentication, for every method but the exempt operational ones
//     (and, always, no call on a connection whose client certificate has
//     expired);
//  4. the default deadline;
//  5. validation of the request against the proto's rules;
//  6. authorisation, which needs a well-formed request;
//  7. recovery, innermost, so that a panic is answered INTERNAL and is
//     still logged with its correlation id and counted.
//
// REST calls run the chain in process (inprocConn), where the gRPC server's
// stats handlers and tap handle do not run: otelgrpc (REST has otelhttp's
// span instead), streamDeadline (a REST call's default deadline comes from
// the deadline interceptor) and connguard's first-call mark (connguard's
// HTTP handler does it). Nothing that must hold for every call lives there.
type Chain struct {
	Logger  *slog.Logger
	Metrics grpc.UnaryServerInterceptor
	// Auth authenticates callers; nil when authentication is off.
	Auth *auth.Auth
	// ProtectOps requires authentication for the operational methods too.
	ProtectOps      bool
	DefaultDeadline time.Duration
	Validator       *validation.Validator
}

// Unary builds the chain, in the order documented on Chain.
func (c Chain) Unary() []grpc.UnaryServerInterceptor {
	chain := []grpc.UnaryServerInterceptor{
		correlationIDInterceptor,
		retryPushbackInterceptor,
		loggingInterceptor(c.Logger),
	}
	if c.Metrics != nil {
		chain = append(chain, c.Metrics)
	}
	chain = append(chain, expiredPeerUnary)
	if c.Auth != nil {
		chain = append(chain, selector.UnaryServerInterceptor(c.Auth.Authenticate(), selector.MatchFunc(c.needsCaller)))
	}
	chain = append(chain, deadlineInterceptor(c.DefaultDeadline), c.Validator.UnaryServerInterceptor())
	if c.Auth != nil {
		chain = append(chain, c.Auth.Authorize())
	}
	return append(chain, recoveryInterceptor(c.Logger))
}

// needsCaller reports whether a call must be authenticated: every call but
// health checks and reflection (auth.IsOperational), unless ProtectOps.
func (c Chain) needsCaller(_ context.Context, call interceptors.CallMeta) bool {
	return c.ProtectOps || !auth.IsOperational(call.FullMethod())
}

// deadlineInterceptor gives calls that arrive without a deadline the
// configured default, so that no call waits on Telegent forever. (gRPC
// calls already have one from the moment their stream opened: see
// streamDeadline.)
func deadlineInterceptor(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if _, ok := ctx.Deadline(); ok || d <= 0 {
			return handler(ctx, req)
		}
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return handler(ctx, req)
	}
}
