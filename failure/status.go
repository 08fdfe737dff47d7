package failure

import (
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Detail is what one failure adds to its cause's row in the status.
type Detail struct {
	// UpstreamStatus is Telegent's HTTP status; 0 when none came.
	UpstreamStatus int
	// UpstreamMessage is Telegent's scrubbed reason text; passed on only
	// for CallerFault rows.
	UpstreamMessage string
	// RetryAfter is the advised delay; used only for Retry rows, which
	// fall back to DefaultAfter when it is not positive.
	RetryAfter time.Duration
	// Extra details follow ErrorInfo and RetryInfo.
	Extra []protoadapt.MessageV1
}

// Status is the status a caller sees for a failure of cause c: the row's
// code and fixed message, a google.rpc.ErrorInfo with its reason, the
// upstream status and whether the outcome is unknown, and a
// google.rpc.RetryInfo exactly when the row advises a retry.
func (c Cause) Status(d Detail) *status.Status {
	p := c.Policy()
	info := &errdetails.ErrorInfo{
		Reason: p.Reason,
		Domain: ErrorDomain,
		Metadata: map[string]string{
			MetadataUpstreamStatus: strconv.Itoa(d.UpstreamStatus),
			MetadataOutcomeUnknown: strconv.FormatBool(p.OutcomeUnknown),
		},
	}
	if p.CallerFault && d.UpstreamMessage != "" {
		info.Metadata[MetadataUpstreamMessage] = d.UpstreamMessage
	}
	details := []protoadapt.MessageV1{info}
	if p.Retry {
		after := d.RetryAfter
		if after <= 0 {
			after = p.DefaultAfter
		}
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(after)})
	}
	st := status.New(p.Code, p.Message)
	withDetails, err := st.WithDetails(append(details, d.Extra...)...)
	if err != nil {
		return st
	}
	return withDetails
}

// Err is c.Status(d).Err().
func (c Cause) Err(d Detail) error { return c.Status(d).Err() }

// FromStatus is the row a status was built from: the one of its
// google.rpc.ErrorInfo reason (in the facade's domain) and outcome_unknown
// metadata. It reports false for statuses of no row (auth's, validation's,
// gRPC's own).
func FromStatus(st *status.Status) (Policy, bool) {
	info := ErrorInfo(st)
	if info == nil || info.GetDomain() != ErrorDomain {
		return Policy{}, false
	}
	return lookup(info.GetReason(), info.GetMetadata()[MetadataOutcomeUnknown] == "true")
}

// ErrorInfo is st's google.rpc.ErrorInfo, nil when it has none.
func ErrorInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// StatusRetryAfter is the delay a failure's status advises before the
// call is repeated (its google.rpc.RetryInfo), and false when it advises
// no retry. The transport layer turns it into gRPC's pushback trailer and
// REST's Retry-After.
func StatusRetryAfter(st *status.Status) (time.Duration, bool) {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok && info.GetRetryDelay() != nil {
			return info.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}

// LogLevel is the level of a call's request log line: its row's, or for
// a status of no row, warning for codes that say the server failed and
// info for the rest.
func LogLevel(st *status.Status) slog.Level {
	if st.Code() == codes.OK {
		return slog.LevelInfo
	}
	if p, ok := FromStatus(st); ok {
		return p.Log
	}
	switch st.Code() {
	case codes.Internal, codes.Unavailable, codes.DeadlineExceeded, codes.Unknown, codes.DataLoss, codes.Unimplemented:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// HTTPStatus is the REST status of a failure's status, and false for a
// status of no row (the gateway derives those from the code).
func HTTPStatus(st *status.Status) (int, bool) {
	if p, ok := FromStatus(st); ok {
		return p.HTTP, true
	}
	return 0, false
}

// Pushback is the value of gRPC's retry pushback trailer (gRFC A6) for a
// failed call's status, what a caller's automatic retry (the published
// service config retries UNAVAILABLE) may do: the delay its
// google.rpc.RetryInfo advises when nothing was created, "-1" (do not
// retry) for every other UNAVAILABLE, among them those that may have
// created the webhook. It reports false for other codes. Deriving it from
// the final status keeps trailer, RetryInfo and Retry-After in agreement
// on every path, replayed answers included.
func Pushback(st *status.Status) (string, bool) {
	if st.Code() != codes.Unavailable {
		return "", false
	}
	if d, ok := StatusRetryAfter(st); ok {
		return strconv.FormatInt(d.Milliseconds(), 10), true
	}
	return "-1", true
}

// RepeatToResolve is err's status, a failure whose outcome is unknown, for
// a call whose repeat is harmless and resolves it: a create with a
// request_id (the repeat answers with the webhook or creates it once), an
// update (the same body again) or a delete. msg replaces the row's message
// and a google.rpc.RetryInfo of DefaultRetryDelay is added, so that the
// transport's pushback and Retry-After invite the repeat instead of
// forbidding it, and clients with the published retry policy make it.
func RepeatToResolve(err error, msg string) error {
	p := status.Convert(err).Proto()
	p.Message = msg
	st := status.FromProto(p)
	if _, ok := StatusRetryAfter(st); ok {
		return st.Err()
	}
	with, werr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(DefaultRetryDelay)})
	if werr != nil {
		return st.Err()
	}
	return with.Err()
}
