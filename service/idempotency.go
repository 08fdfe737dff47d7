package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/platform/telegent-facade/auth"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
)

// google.rpc.ErrorInfo reasons of calls that carry a request_id.
const (
	// ReasonRequestIDReused: the request_id came before with a different
	// request.
	ReasonRequestIDReused = "REQUEST_ID_REUSED"
	// ReasonRequestIDUnavailable: the store of request ids could not be
	// reached; nothing was sent to Telegent.
	ReasonRequestIDUnavailable = "REQUEST_ID_STORE_UNAVAILABLE"
	// ReasonRequestOutcomeUnknown: the first call with the request_id
	// stopped (its replica went away) before it recorded an outcome.
	ReasonRequestOutcomeUnknown = "REQUEST_OUTCOME_UNKNOWN"
	// ReasonRequestIDBudgetExhausted: the caller already has its limit of
	// request ids remembered and all of them are still being served; only
	// this caller is refused, until one of its calls finishes.
	ReasonRequestIDBudgetExhausted = "REQUEST_ID_BUDGET_EXHAUSTED"
)

// RequestIDNote is what the request log line tells of a call that carries
// a request_id: whether its answer was replayed (Telegent was not called)
// and a keyed hash of the caller's request_id, so that a client team can
// see whether its retries reused one id without the id itself being
// logged. The logging interceptor puts one in the call's context.
type RequestIDNote struct {
	Replayed bool
	KeyHash  string
}

type requestIDNoteKey struct{}

// WithRequestIDNote returns ctx carrying n, for the service to fill in.
func WithRequestIDNote(ctx context.Context, n *RequestIDNote) context.Context {
	return context.WithValue(ctx, requestIDNoteKey{}, n)
}

func requestIDNoteFrom(ctx context.Context) *RequestIDNote {
	n, _ := ctx.Value(requestIDNoteKey{}).(*RequestIDNote)
	return n
}

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
	// Ids are compared in canonical (lower-case) form: a UUID repeated in
	// upper case is the same id.
	key := idempotency.Key{Caller: callerKey(ctx), ID: strings.ToLower(req.GetRequestId())}
	note := requestIDNoteFrom(ctx)
	if note != nil {
		note.KeyHash = s.fingerprinter.LogHash(key)
	}
	fingerprint, err := s.fingerprint(req)
	if err != nil {
		return nil, Status(ctx, s.logger, err)
	}
	value, replayed, err := s.dedup.Do(ctx, key, fingerprint, func(ctx context.Context) idempotency.Result {
		resp, err := s.create(ctx, req)
		return encodeOutcome(resp, err)
	})
	if note != nil {
		note.Replayed = replayed
	}
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
// repeat: Telegent's refusal of this request, or an outcome that is unknown.
func definite(st *status.Status) bool {
	switch st.Code() {
	case codes.InvalidArgument, codes.PermissionDenied, codes.NotFound, codes.AlreadyExists:
		return true
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetMetadata()[MetadataOutcomeUnknown] == "true" {
			return true
		}
	}
	return false
}

func decodeOutcome(b []byte) (*webhookv1.CreateWebhookResponse, error) {
	var packed anypb.Any
	if err := proto.Unmarshal(b, &packed); err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	msg, err := packed.UnmarshalNew()
	if err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	switch m := msg.(type) {
	case *webhookv1.CreateWebhookResponse:
		return m, nil
	case *spb.Status:
		return nil, status.ErrorProto(m)
	}
	return nil, status.Error(codes.Internal, "internal error")
}

// dedupStatus maps the deduper's own failures to statuses.
func (s *Service) dedupStatus(ctx context.Context, err error) error {
	var storeErr *idempotency.StoreError
	switch {
	case errors.Is(err, idempotency.ErrReused):
		return statusError(codes.InvalidArgument, "request_id was already used with a different request",
			errorInfo(ReasonRequestIDReused, 0, false), 0,
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
				Field:       requestIDField,
				Description: "request_id was already used with a different request; use a new request_id for a new request",
				Reason:      ReasonRequestIDReused,
			}}})
	case errors.Is(err, idempotency.ErrBudgetExhausted):
		return statusError(codes.ResourceExhausted,
			"too many request_ids of this caller are still being served; nothing was sent to Telegent; retry later",
			errorInfo(ReasonRequestIDBudgetExhausted, 0, false), DefaultRetryDelay)
	case errors.Is(err, idempotency.ErrAbandoned):
		return statusError(codes.Unavailable,
			"the first call with this request_id did not finish; the webhook may have been created: check before creating it again",
			errorInfo(ReasonRequestOutcomeUnknown, 0, true), 0)
	case errors.As(err, &storeErr):
		s.logger.ErrorContext(ctx, "request id store unavailable", slog.Any("error", err))
		return statusError(codes.Unavailable,
			"calls with a request_id cannot be served now; nothing was sent to Telegent; retry later",
			errorInfo(ReasonRequestIDUnavailable, 0, false), DefaultRetryDelay)
	}
	return Status(ctx, s.logger, err) // the caller's context ended while waiting
}
