package failure_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/telegent"
)

// TestTable checks every row for completeness and consistency, so that a
// new cause cannot be added half-decided.
func TestTable(t *testing.T) {
	t.Parallel()
	causes := failure.Causes()
	if len(causes) < 26 {
		t.Fatalf("Causes() lists %d causes", len(causes))
	}
	for i, c := range causes {
		if int(c) != i {
			t.Fatalf("Causes()[%d] = %d", i, c)
		}
		p := c.Policy()
		if strings.HasPrefix(c.String(), "Cause(") {
			t.Errorf("cause %d has no name", c)
		}
		if p.Code == codes.OK || p.Code == codes.Unknown || p.HTTP < 400 || p.Reason == "" || p.Message == "" {
			t.Errorf("%v: row %+v lacks a code, HTTP status, reason or message", c, p)
		}
		if p.Retry != (p.DefaultAfter > 0) {
			t.Errorf("%v: Retry %v with DefaultAfter %v", c, p.Retry, p.DefaultAfter)
		}
		if p.OutcomeUnknown {
			if p.Retry || !p.Replay || !strings.Contains(p.Message, "before creating it again") {
				t.Errorf("%v: outcome unknown, but Retry %v, Replay %v, message %q", c, p.Retry, p.Replay, p.Message)
			}
		}
		if p.OutcomeUnknown && strings.Contains(p.Message, "retry later") {
			t.Errorf("%v: message %q invites a retry of a call whose outcome is unknown", c, p.Message)
		}
		if p.CallerFault && p.OurFault {
			t.Errorf("%v: both the caller's fault and ours", c)
		}
		// Today every row answers what the gateway derives from the code;
		// a row that needs another status must be listed here.
		if want := runtime.HTTPStatusFromCode(p.Code); p.HTTP != want {
			t.Errorf("%v: HTTP %d, the gateway's mapping of %v is %d", c, p.HTTP, p.Code, want)
		}
	}
	if got := failure.Cause(len(causes)).String(); got != fmt.Sprintf("Cause(%d)", len(causes)) {
		t.Errorf("String() beyond the last cause = %q", got)
	}
	if p := failure.Cause(-1).Policy(); p.Reason != failure.ReasonInternal {
		t.Errorf("Policy() of an invalid cause = %+v, want Internal's", p)
	}
}

// TestSharedReasons: rows sharing a reason agree on what code holding only
// a status reads (Lookup, FromStatus), and rows sharing a reason and an
// outcome also on whether a repeat replays them.
func TestSharedReasons(t *testing.T) {
	t.Parallel()
	byReason := map[string]failure.Policy{}
	byOutcome := map[string]failure.Policy{}
	for _, c := range failure.Causes() {
		p := c.Policy()
		if q, ok := byReason[p.Reason]; ok && (q.Code != p.Code || q.HTTP != p.HTTP || q.Log != p.Log) {
			t.Errorf("%v: reason %s shared with code, HTTP or log level differing: %+v vs %+v", c, p.Reason, p, q)
		}
		byReason[p.Reason] = p
		key := fmt.Sprint(p.Reason, p.OutcomeUnknown)
		if q, ok := byOutcome[key]; ok && q.Replay != p.Replay {
			t.Errorf("%v: reason %s and outcome %v shared, Replay differing", c, p.Reason, p.OutcomeUnknown)
		}
		byOutcome[key] = p

		got, ok := failure.Lookup(p.Reason)
		if !ok || got.Code != p.Code || got.HTTP != p.HTTP {
			t.Errorf("Lookup(%q) = %+v, %v", p.Reason, got, ok)
		}
	}
	if _, ok := failure.Lookup("CALLER_UNAUTHENTICATED"); ok {
		t.Error("Lookup found a reason of no row")
	}
	if p, ok := failure.Lookup(failure.ReasonRequestIDBudgetExhausted); !ok || p.Code != codes.ResourceExhausted || p.HTTP != 429 || !p.Retry {
		t.Errorf("Lookup(REQUEST_ID_BUDGET_EXHAUSTED) = %+v, %v", p, ok)
	}
}

// TestStatusRoundTrip: each cause's status carries its row, and reads back
// to it.
func TestStatusRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range failure.Causes() {
		p := c.Policy()
		st := c.Status(failure.Detail{UpstreamStatus: 503, UpstreamMessage: "why", RetryAfter: 3 * time.Second})
		if st.Code() != p.Code || st.Message() != p.Message {
			t.Errorf("%v: status %v %q", c, st.Code(), st.Message())
		}
		info := failure.ErrorInfo(st)
		if info.GetReason() != p.Reason || info.GetDomain() != failure.ErrorDomain ||
			info.GetMetadata()[failure.MetadataUpstreamStatus] != "503" ||
			info.GetMetadata()[failure.MetadataOutcomeUnknown] != fmt.Sprint(p.OutcomeUnknown) {
			t.Errorf("%v: ErrorInfo %v", c, info)
		}
		if _, ok := info.GetMetadata()[failure.MetadataUpstreamMessage]; ok != p.CallerFault {
			t.Errorf("%v: upstream_message passed on = %v, CallerFault %v", c, ok, p.CallerFault)
		}
		after, ok := failure.StatusRetryAfter(st)
		if ok != p.Retry || (ok && after != 3*time.Second) {
			t.Errorf("%v: StatusRetryAfter = %v, %v", c, after, ok)
		}
		got, ok := failure.FromStatus(st)
		if !ok || got.Code != p.Code || got.HTTP != p.HTTP || got.Reason != p.Reason ||
			got.OutcomeUnknown != p.OutcomeUnknown || got.Replay != p.Replay || got.Log != p.Log {
			t.Errorf("%v: FromStatus = %+v, %v; want %+v", c, got, ok, p)
		}
		if got := failure.LogLevel(st); got != p.Log {
			t.Errorf("%v: LogLevel = %v", c, got)
		}
		if pushback, ok := failure.Pushback(st); ok != (p.Code == codes.Unavailable) ||
			(ok && pushback != map[bool]string{true: "3000", false: "-1"}[p.Retry]) {
			t.Errorf("%v: Pushback = %q, %v", c, pushback, ok)
		}
	}
	if after, _ := failure.StatusRetryAfter(failure.CircuitOpen.Status(failure.Detail{})); after != failure.DefaultRetryDelay {
		t.Errorf("default retry delay = %v", after)
	}
}

func TestStatusOfNoRow(t *testing.T) {
	t.Parallel()
	plain := status.New(codes.Unavailable, "x")
	if _, ok := failure.FromStatus(plain); ok {
		t.Error("FromStatus found a row for a status without ErrorInfo")
	}
	other, _ := status.New(codes.Internal, "x").WithDetails(&errdetails.ErrorInfo{Reason: failure.ReasonInternal, Domain: "elsewhere"})
	if _, ok := failure.FromStatus(other); ok {
		t.Error("FromStatus found a row for another domain's reason")
	}
	if _, ok := failure.HTTPStatus(plain); ok {
		t.Error("HTTPStatus decided a status of no row")
	}
	for code, want := range map[codes.Code]string{codes.Unavailable: "WARN", codes.Unimplemented: "WARN", codes.InvalidArgument: "INFO", codes.Unauthenticated: "INFO", codes.OK: "INFO"} {
		if got := failure.LogLevel(status.New(code, "x")).String(); got != want {
			t.Errorf("LogLevel(%v) = %s, want %s", code, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	create, token := telegent.OpCreateWebhook, telegent.OpFetchToken
	up := func(k telegent.Kind, op string, code int, unknown bool) *telegent.Error {
		return &telegent.Error{Kind: k, Op: op, StatusCode: code, OutcomeUnknown: unknown}
	}
	tests := map[string]struct {
		err  error
		want failure.Cause
	}{
		"400":                    {up(telegent.KindBadRequest, create, 400, false), failure.UpstreamBadRequest},
		"401":                    {up(telegent.KindUnauthorized, create, 401, false), failure.UpstreamUnauthorized},
		"credentials":            {up(telegent.KindCredentialsRejected, token, 401, false), failure.CredentialsRejected},
		"403":                    {up(telegent.KindForbidden, create, 403, false), failure.UpstreamForbidden},
		"404":                    {up(telegent.KindNotFound, create, 404, false), failure.UpstreamNotFound},
		"409":                    {up(telegent.KindConflict, create, 409, false), failure.UpstreamConflict},
		"429":                    {up(telegent.KindRateLimited, create, 429, false), failure.UpstreamRateLimited},
		"create 503":             {up(telegent.KindUpstreamUnavailable, create, 503, false), failure.UpstreamBusy},
		"token 503":              {up(telegent.KindUpstreamUnavailable, token, 503, false), failure.UpstreamBusy},
		"token 500":              {up(telegent.KindUpstreamUnavailable, token, 500, false), failure.TokenFetchFailed},
		"token 502":              {up(telegent.KindUpstreamUnavailable, token, 502, false), failure.TokenFetchFailed},
		"create 501":             {up(telegent.KindUpstreamUnavailable, create, 501, false), failure.UpstreamUnavailable},
		"create 408":             {up(telegent.KindUpstreamUnavailable, create, 408, false), failure.UpstreamUnavailable},
		"create 500":             {up(telegent.KindUpstreamUnavailable, create, 500, true), failure.UpstreamUnknown},
		"list 500":               {up(telegent.KindUpstreamUnavailable, telegent.OpListWebhooks, 500, false), failure.UpstreamUnavailable},
		"create 502":             {up(telegent.KindUpstreamUnavailable, create, 502, true), failure.UpstreamUnknown},
		"never connected":        {up(telegent.KindConnection, create, 0, false), failure.ConnectionNeverMade},
		"dropped":                {up(telegent.KindConnection, create, 0, true), failure.ConnectionDropped},
		"timeout before sending": {up(telegent.KindTimeout, create, 0, false), failure.UpstreamTimeout},
		"timeout after sending":  {up(telegent.KindTimeout, create, 0, true), failure.UpstreamTimeoutUnknown},
		"token malformed":        {up(telegent.KindMalformedResponse, token, 200, false), failure.MalformedResponse},
		"create malformed":       {up(telegent.KindMalformedResponse, create, 200, true), failure.MalformedResponseUnknown},
		"canceled kind":          {up(telegent.KindCanceled, create, 0, false), failure.Canceled},
		"kind unknown":           {up(telegent.KindUnknown, create, 0, false), failure.Internal},
		"wrapped":                {fmt.Errorf("create webhook: %w", up(telegent.KindConflict, create, 409, false)), failure.UpstreamConflict},
		"breaker open":           {&failure.Rejection{Reason: failure.RejectedOpen}, failure.CircuitOpen},
		"overloaded":             {fmt.Errorf("guard: %w", &failure.Rejection{Reason: failure.RejectedOverloaded}), failure.Overloaded},
		"unknown rejection":      {&failure.Rejection{Reason: "other"}, failure.Internal},
		"named cause":            {&failure.Error{Cause: failure.RequestIDStoreDown, Err: errors.New("dial")}, failure.RequestIDStoreDown},
		"request_id reused":      {fmt.Errorf("dedup: %w", idempotency.ErrReused), failure.RequestIDReused},
		"request abandoned":      {idempotency.ErrAbandoned, failure.RequestAbandoned},
		"store timed out":        {&idempotency.StoreError{Err: context.DeadlineExceeded}, failure.RequestIDStoreDown},
		"context canceled":       {context.Canceled, failure.Canceled},
		"context deadline":       {fmt.Errorf("wait: %w", context.DeadlineExceeded), failure.Deadline},
		"os deadline":            {os.ErrDeadlineExceeded, failure.Deadline},
		"other":                  {errors.New("boom"), failure.Internal},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, te := failure.Classify(tc.err)
			if got != tc.want {
				t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
			if _, isTE := errors.AsType[*telegent.Error](tc.err); isTE != (te != nil) {
				t.Errorf("Classify(%v) returned telegent error %v", tc.err, te)
			}
		})
	}
}

// TestEveryKindHasACause fails when telegent grows a kind that Classify has
// no row for.
func TestEveryKindHasACause(t *testing.T) {
	t.Parallel()
	kinds := telegent.Kinds()
	if len(kinds) < 12 {
		t.Fatalf("telegent.Kinds lists %d kinds", len(kinds))
	}
	for _, k := range kinds {
		for _, unknown := range []bool{false, true} {
			if c, _ := failure.Classify(&telegent.Error{Kind: k, Op: telegent.OpCreateWebhook, OutcomeUnknown: unknown}); c == failure.Internal {
				t.Errorf("kind %q (outcome unknown %v) has no cause", k, unknown)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want time.Duration // 0: no retry
	}{
		"503 named":         {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 503, RetryAfter: 7 * time.Second}, 7 * time.Second},
		"503 unnamed":       {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 503}, failure.DefaultRetryDelay},
		"429 named":         {&telegent.Error{Kind: telegent.KindRateLimited, StatusCode: 429, RetryAfter: 3 * time.Second}, 3 * time.Second},
		"500 unknown":       {&telegent.Error{Kind: telegent.KindUpstreamUnavailable, StatusCode: 500, RetryAfter: 3 * time.Second}, 0},
		"breaker open":      {&failure.Rejection{Reason: failure.RejectedOpen, RetryAfter: 4 * time.Second}, 4 * time.Second},
		"budget with hint":  {&failure.Error{Cause: failure.RequestIDBudgetExhausted, RetryAfter: time.Minute}, time.Minute},
		"budget":            {&failure.Error{Cause: failure.RequestIDBudgetExhausted}, failure.DefaultRetryDelay},
		"caller's refusal":  {&telegent.Error{Kind: telegent.KindBadRequest, StatusCode: 400}, 0},
		"not a known error": {errors.New("boom"), 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := failure.RetryAfter(tc.err)
			if ok != (tc.want > 0) || got != tc.want {
				t.Errorf("RetryAfter = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	r := &failure.Rejection{Reason: failure.RejectedOpen, RetryAfter: 7 * time.Second}
	if got, want := r.Error(), "resilience: call to Telegent not sent: circuit_open; retry after 7s"; got != want {
		t.Errorf("Rejection.Error() = %q, want %q", got, want)
	}
	e := &failure.Error{Cause: failure.RequestIDStoreDown, Err: errors.New("dial tcp: refused")}
	if got, want := e.Error(), "failure: RequestIDStoreDown: dial tcp: refused"; got != want {
		t.Errorf("Error.Error() = %q, want %q", got, want)
	}
}
