package service

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
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
// once. The first call lists the account's webhooks, then goes to Telegent;
// a repeat with the same request gets the first call's answer (waiting for
// it if it is still running), a repeat with a different request is refused.
// An answer is remembered when it is definite (the webhook, or Telegent's
// refusal) or when the outcome is unknown (a repeat must not create a
// second webhook blindly); a failure that certainly created nothing (an
// overloaded facade, Telegent down) is not, so a repeat tries again.
//
// A repeat of an outcome-unknown create resolves it: the next attempt,
// under a key of its own so that concurrent repeats make it once, answers
// with the webhook an earlier attempt made, marked recovered, or, when
// there is none, creates. Its answer is remembered like the first's, so a
// webhook deleted later is never created again by a repeat.
func (s *Service) createOnce(ctx context.Context, req *webhookv1.CreateWebhookRequest) (*webhookv1.CreateWebhookResponse, error) {
	// Ids are compared in canonical (lower-case) form: a UUID repeated in
	// upper case is the same id.
	id := strings.ToLower(req.GetRequestId())
	note := requestIDNoteFrom(ctx)
	if note != nil {
		note.KeyHash = s.fingerprinter.LogHash(idempotency.Key{Caller: callerKey(ctx), ID: id})
	}
	fingerprint, err := s.fingerprint(req)
	if err != nil {
		return nil, Status(ctx, s.logger, err)
	}
	var before map[string]bool
	for attempt := 1; ; attempt++ {
		key := idempotency.Key{Caller: callerKey(ctx), ID: id}
		if attempt > 1 {
			key.ID += "#" + strconv.Itoa(attempt)
		}
		first := attempt == 1
		value, replayed, err := s.dedup.Do(ctx, key, fingerprint, func(ctx context.Context) idempotency.Result {
			if first {
				return s.attemptCreate(ctx, req)
			}
			return s.resolveOrCreate(ctx, req, before)
		})
		if note != nil {
			note.Replayed = replayed
		}
		if err != nil {
			return nil, s.dedupStatus(ctx, err)
		}
		out, err := decodeOutcome(value)
		if err != nil {
			return nil, err
		}
		if first {
			before = out.before
		}
		// Only a repeat resolves: the call that saw the outcome go unknown
		// answers it, and Telegent gets time to finish what it received.
		if !replayed || !isOutcomeUnknown(out.err) || before == nil || attempt == maxCreateAttempts {
			if replayed && out.resp != nil {
				out.resp.Replayed = true
			}
			return out.resp, out.err
		}
	}
}

// maxCreateAttempts bounds the creates one request id may make when each
// ends outcome unknown and none shows up in the list afterwards.
const maxCreateAttempts = 3

// attemptCreate makes the first create of createOnce, after listing the
// account's webhooks, for a repeat to tell the webhook this request made
// from one that was there already. If that list fails, the create goes
// ahead all the same (a failing list must not stop creates), without the
// means to resolve an unknown outcome: its repeats are told the outcome is
// unknown, as before there was a list.
func (s *Service) attemptCreate(ctx context.Context, req *webhookv1.CreateWebhookRequest) idempotency.Result {
	var before map[string]bool
	ws, err := s.list(ctx, req.GetAccountId())
	if err != nil {
		s.logger.WarnContext(ctx, "could not list the account's webhooks before a create with a request id; an unknown outcome of this create cannot be resolved",
			slog.Any("error", err))
	} else {
		before = make(map[string]bool, len(ws))
		for _, w := range ws {
			before[w.WebhookId] = true
		}
	}
	resp, err := s.create(ctx, req)
	if err != nil && isOutcomeUnknown(err) && before != nil {
		err = failure.RepeatToResolve(err, outcomeUnknownRepeatMessage)
	}
	return encodeOutcome(resp, err, before)
}

// resolveOrCreate is a later attempt of createOnce: the webhook an earlier
// attempt made, recovered, or else a new create. A failed list creates
// nothing and is not remembered.
func (s *Service) resolveOrCreate(ctx context.Context, req *webhookv1.CreateWebhookRequest, before map[string]bool) idempotency.Result {
	w, err := s.findCreated(ctx, req, before)
	if err != nil {
		res := encodeOutcome(nil, err, nil)
		res.Keep = false
		return res
	}
	if w != nil {
		return encodeOutcome(&webhookv1.CreateWebhookResponse{Webhook: w, Recovered: true}, nil, nil)
	}
	resp, err := s.create(ctx, req)
	if err != nil && isOutcomeUnknown(err) {
		err = failure.RepeatToResolve(err, outcomeUnknownRepeatMessage)
	}
	return encodeOutcome(resp, err, nil)
}

// outcomeUnknownRepeatMessage is the message of a create with a request_id
// whose outcome is unknown: the repeat is what resolves it.
const outcomeUnknownRepeatMessage = "Telegent gave no definite answer; the webhook may have been created: repeat the call with the same request_id, which answers with that webhook or creates it"

// findCreated looks in the account's list for the webhook the request's
// earlier attempts made: one with the request's settings (URL, method,
// format, authentication type, username, events) that was not in the list
// taken before the first attempt. Passwords and tokens cannot be compared
// (Telegent need not return them). Among several, the lowest id is taken.
func (s *Service) findCreated(ctx context.Context, req *webhookv1.CreateWebhookRequest, before map[string]bool) (*webhookv1.Webhook, error) {
	all, err := s.list(ctx, req.GetAccountId())
	if err != nil {
		return nil, err
	}
	want := normalised(req)
	for _, w := range all {
		if before[w.WebhookId] {
			continue
		}
		got, unknown := storedSettings(w, req.GetAccountId())
		if len(unknown) == 0 && sameSettings(got, want) {
			out := toWebhook(w, req.GetAccountId())
			out.PasswordSet = out.GetPasswordSet() || req.GetAuthenticationPassword() != ""
			out.TokenSet = out.GetTokenSet() || req.GetAuthenticationToken() != ""
			return out, nil
		}
	}
	return nil, nil
}

// normalised is the request with UNSPECIFIED spelled as the default sent.
func normalised(req *webhookv1.CreateWebhookRequest) *webhookv1.CreateWebhookRequest {
	n := proto.CloneOf(req)
	if n.Method == 0 {
		n.Method = webhookv1.HttpMethod_HTTP_METHOD_POST
	}
	if n.DataFormat == 0 {
		n.DataFormat = webhookv1.DataFormat_DATA_FORMAT_JSON
	}
	if n.AuthenticationType == 0 {
		n.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_NONE
	}
	return n
}

// sameSettings compares what a list shows of a webhook; events as a set.
func sameSettings(a, b *webhookv1.CreateWebhookRequest) bool {
	if a.GetWebhookUrl() != b.GetWebhookUrl() || a.GetMethod() != b.GetMethod() || a.GetDataFormat() != b.GetDataFormat() ||
		a.GetAuthenticationType() != b.GetAuthenticationType() || a.GetAuthenticationUsername() != b.GetAuthenticationUsername() {
		return false
	}
	ea, eb := slices.Clone(a.GetSubscribedEvents()), slices.Clone(b.GetSubscribedEvents())
	slices.Sort(ea)
	slices.Sort(eb)
	return slices.Equal(slices.Compact(ea), slices.Compact(eb))
}

// isOutcomeUnknown reports whether a status says the create may have
// happened.
func isOutcomeUnknown(err error) bool {
	return err != nil && failure.ErrorInfo(status.Convert(err)).GetMetadata()[failure.MetadataOutcomeUnknown] == "true"
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
// response or the google.rpc.Status, in an Any, and the ids listed before
// the first attempt (nil for later attempts). Neither holds the webhook's
// password or token: the response never carries them and statuses carry
// fixed messages.
//
// The remembered value is outcomeMarker, then a protobuf message of the
// Any (field 1) and the ids (field 2, one per id; field 3 set when the ids
// were listed, even none). A value without the marker is the bare Any of
// earlier versions: a protobuf message never starts with a zero byte.
func encodeOutcome(resp *webhookv1.CreateWebhookResponse, callErr error, before map[string]bool) idempotency.Result {
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
	value := append([]byte{outcomeMarker}, protowire.AppendTag(nil, 1, protowire.BytesType)...)
	value = protowire.AppendBytes(value, b)
	if before != nil {
		for _, id := range slices.Sorted(maps.Keys(before)) {
			value = protowire.AppendTag(value, 2, protowire.BytesType)
			value = protowire.AppendString(value, id)
		}
		value = protowire.AppendTag(value, 3, protowire.VarintType)
		value = protowire.AppendVarint(value, 1)
	}
	return idempotency.Result{Value: value, Keep: keep}
}

// outcomeMarker starts a remembered value that carries the ids listed
// before the first attempt.
const outcomeMarker = 0

// definite reports whether a failure is an answer worth repeating to a
// repeat (Telegent's refusal of this request, or an outcome that is
// unknown), as the failure table's Replay says.
func definite(st *status.Status) bool {
	p, ok := failure.FromStatus(st)
	return ok && p.Replay
}

// outcome is a remembered answer.
type outcome struct {
	resp *webhookv1.CreateWebhookResponse
	err  error
	// before is the ids listed before the first attempt; nil when unknown.
	before map[string]bool
}

func decodeOutcome(b []byte) (outcome, error) {
	internal := failure.Internal.Err(failure.Detail{})
	var out outcome
	packedBytes := b
	if len(b) > 0 && b[0] == outcomeMarker {
		packedBytes = nil
		var listed bool
		ids := map[string]bool{}
		for rest := b[1:]; len(rest) > 0; {
			num, typ, n := protowire.ConsumeTag(rest)
			if n < 0 {
				return out, internal
			}
			rest = rest[n:]
			switch {
			case num == 1 && typ == protowire.BytesType:
				v, m := protowire.ConsumeBytes(rest)
				if m < 0 {
					return out, internal
				}
				packedBytes, rest = v, rest[m:]
			case num == 2 && typ == protowire.BytesType:
				v, m := protowire.ConsumeString(rest)
				if m < 0 {
					return out, internal
				}
				ids[v], rest = true, rest[m:]
			default:
				m := protowire.ConsumeFieldValue(num, typ, rest)
				if m < 0 {
					return out, internal
				}
				listed, rest = listed || num == 3, rest[m:]
			}
		}
		if listed {
			out.before = ids
		}
	}
	var packed anypb.Any
	if err := proto.Unmarshal(packedBytes, &packed); err != nil {
		return out, internal
	}
	msg, err := packed.UnmarshalNew()
	if err != nil {
		return out, internal
	}
	switch m := msg.(type) {
	case *webhookv1.CreateWebhookResponse:
		out.resp = m
		return out, nil
	case *spb.Status:
		out.err = status.ErrorProto(m)
		return out, nil
	}
	return out, internal
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
