package service

import (
	"context"
	"log/slog"

	"github.com/platform/telegent-facade/failure"
)

// Status maps an error from the upstream (or the guard in front of it) to
// the gRPC status the caller sees, as its cause's row in the failure table
// says: a fixed, safe message, a google.rpc.ErrorInfo with a stable
// reason, the upstream status and whether the outcome is unknown, and a
// google.rpc.RetryInfo exactly when a retry may cure the failure. Failures
// of our own credentials and unexpected errors are logged at error level,
// since only operators can fix them.
func Status(ctx context.Context, logger *slog.Logger, err error) error {
	cause, te := failure.Classify(err)
	p := cause.Policy()
	var d failure.Detail
	if te != nil {
		d.UpstreamStatus, d.UpstreamMessage = te.StatusCode, te.Reason
	}
	d.RetryAfter, _ = failure.RetryAfter(err)
	switch {
	case p.OurFault:
		logger.ErrorContext(ctx, "Telegent refused the facade's credentials: check the account key and secret",
			slog.String("reason", p.Reason), slog.Int("upstream_status", d.UpstreamStatus), slog.Any("error", err))
	case cause == failure.Internal:
		logger.ErrorContext(ctx, "unexpected error", slog.Any("error", err))
	}
	return cause.Err(d)
}
