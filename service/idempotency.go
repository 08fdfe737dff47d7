package service

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
)

// requestIDField is the request field that carries the request id, as
// field violations name it.
const requestIDField = "request_id"

// WithIdempotency makes calls that carry a request_id run at most once per
// caller and id: a repeat is answered with the first call's outcome (see
// createOnce). fp hashes requests to tell a repeat from a reuse of the id.
func WithIdempotency(d *idempotency.Deduper, fp *idempotency.Fingerprinter) Option {
	return func(s *Service) {
		s.dedup, s.fingerprinter = d, fp
	}
}

// createOnce creates the webhook of a request that carries a request_id,
// once. The first call goes to Telegent; a repeat with the same request
// gets the first call's answer (waiting for it if it is still running), a
// repeat with a different request is refused. An answer is remembered
// when it is definite (the webhook, or Telegent's refusal) or when the
// outcome is unknown (a repeat must not create a second webhook); a
// failure that certainly created nothing (an overloaded facade, Telegent
// down) is not, so a repeat tries again.
func (s *Service) createOnce(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	key := callerKey(ctx) + "/" + req.GetRequestId()
	fingerprint, err := s.fingerprint(req)
	if err != nil {
		return nil, Status(ctx, s.logger, err)
	}
	value, _, err := s.dedup.Do(ctx, key, fingerprint, func(ctx context.Context) idempotency.Result {
		resp, err := s.create(ctx, req)
		return encodeOutcome(resp, err)
	})
	if err != nil {
		return nil, s.dedupStatus(ctx, err)
	}
	return decodeOutcome(value)
}

// callerKey names the caller a request id belongs to, so that two callers
// choosing the same id never see each other's answers.
func callerKey(ctx context.Context) string {
	if id, ok := auth.IdentityFrom(ctx); ok {
		return string(id.Method) + ":" + id.Caller
	}
	return "anonymous"
}

// fingerprint is the keyed hash of the request without its request_id, in
// protobuf's deterministic encoding.
func (s *Service) fingerprint(req *webhookv1.CreateWebhookRequest) ([]byte, error) {
	c := proto.CloneOf(req)
	c.RequestId = ""
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode request for its fingerprint: %w", err)
	}
	return s.fingerprinter.Sum(b), nil
}

// encodeOutcome turns a call's answer into what the store remembers: the
// response or the google.rpc.Status, in an Any. Neither holds the webhook's
// password or token: the response never carries them and statuses carry
// fixed messages.
func encodeOutcome(resp *webhookv1.CreateWebhookResponse, callErr error) idempotency.Result {
	var (
		msg  proto.Message = resp
		keep               = true
	)
	if callErr != nil {
		st := status.Convert(callErr)
		msg, keep = st.Proto(), definite(st)
	}
	packed, err := anypb.New(msg)
	if err != nil {
		return idempotency.Result{} // cannot happen for these two types
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(packed)
	if err != nil {
		return idempotency.Result{}
	}
	return idempotency.Result{Value: b, Keep: keep}
}

// definite reports whether a failure is an answer worth repeating to a
// repeat (Telegent's refusal of this request, or an outcome that is
// unknown), as the failure table's Replay says.
func definite(st *status.Status) bool {
	p, ok := failure.FromStatus(st)
	return ok && p.Replay
}

func decodeOutcome(b []byte) (*webhookv1.CreateWebhookResponse, error) {
	var packed anypb.Any
	if err := proto.Unmarshal(b, &packed); err != nil {
		return nil, failure.Internal.Err(failure.Detail{})
	}
	msg, err := packed.UnmarshalNew()
	if err != nil {
		return nil, failure.Internal.Err(failure.Detail{})
	}
	switch m := msg.(type) {
	case *webhookv1.CreateWebhookResponse:
		return m, nil
	case *spb.Status:
		return nil, status.ErrorProto(m)
	}
	return nil, failure.Internal.Err(failure.Detail{})
}

// dedupStatus maps the deduper's own failures to statuses: the failure
// table's rows, with the field a reused request_id breaks.
func (s *Service) dedupStatus(ctx context.Context, err error) error {
	switch cause, _ := failure.Classify(err); cause {
	case failure.RequestIDReused:
		return cause.Err(failure.Detail{Extra: []protoadapt.MessageV1{
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
				Field:       requestIDField,
				Description: "request_id was already used with a different request; use a new request_id for a new request",
				Reason:      failure.ReasonRequestIDReused,
			}}},
		}})
	case failure.RequestIDStoreDown:
		s.logger.ErrorContext(ctx, "request id store unavailable", slog.Any("error", err))
	}
	return Status(ctx, s.logger, err) // also the caller's context ending while waiting
}
