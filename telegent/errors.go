package telegent

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Op names the upstream call an Error or an observation belongs to.
// Every value is a metric label value: snake_case, no spaces.
const (
	// OpFetchToken is POST /v1.0/oauth2/tokens.
	OpFetchToken = "fetch_token"
	// OpCreateWebhook is POST /v1.0/webhook/create.
	OpCreateWebhook = "create_webhook"
	// OpUpdateWebhook is POST /v1.0/webhook/update.
	OpUpdateWebhook = "update_webhook"
	// OpDeleteWebhook is POST /v1.0/webhook/delete.
	OpDeleteWebhook = "delete_webhook"
	// OpListWebhooks is GET /v1.0/account/webhooks.
	OpListWebhooks = "list_webhooks"
)

// Kind classifies a failed upstream call so that callers can map it to their
// own status codes without parsing text.
type Kind int

// The kinds of failure. The zero value KindUnknown is never produced by Client;
// it is what KindOf reports for errors that are not *Error.
const (
	// KindUnknown is not a Telegent error.
	KindUnknown Kind = iota
	// KindBadRequest: the upstream refused the request as malformed (400, 405,
	// 415, 422 and any other 4xx without a kind of its own). Repeating it
	// unchanged will fail again.
	KindBadRequest
	// KindUnauthorized: a webhook call was refused with 401 twice, once with
	// a cached token and once with a freshly fetched one.
	KindUnauthorized
	// KindForbidden: 403; authenticating again makes no difference.
	KindForbidden
	// KindNotFound: 404.
	KindNotFound
	// KindConflict: 409, e.g. a duplicate webhook.
	KindConflict
	// KindRateLimited: 429; see Error.RetryAfter.
	KindRateLimited
	// KindUpstreamUnavailable: 5xx, 408, and statuses the API never documents
	// (1xx, 3xx: redirects are not followed). Such a status is a definite
	// answer, except 502 and 504 (see OutcomeUnknown).
	KindUpstreamUnavailable
	// KindConnection: the transport failed (refused, reset, TLS failure,
	// connection dropped mid-exchange).
	KindConnection
	// KindTimeout: the caller's deadline (or, for a token fetch, the fetch's
	// own deadline) passed.
	KindTimeout
	// KindCanceled: the caller's context was canceled.
	KindCanceled
	// KindMalformedResponse: a success status with a body that could not be
	// understood (not JSON, too large, no WebhookId, no token).
	KindMalformedResponse
	// KindCredentialsRejected: the token call refused the account key and
	// secret (400, 401, 403 or "successful": false). Not retried: it is a
	// configuration problem, not the caller's.
	KindCredentialsRejected

	// kindCount is not a kind: it counts them. New kinds go above it.
	kindCount
)

// Kinds lists every kind Client produces, so that whoever maps them (to
// gRPC codes, to breaker decisions) can check that none is missing.
func Kinds() []Kind {
	kinds := make([]Kind, 0, kindCount-1)
	for k := KindUnknown + 1; k < kindCount; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}

var kindNames = [...]string{
	KindUnknown:             "unknown",
	KindBadRequest:          "bad request",
	KindUnauthorized:        "unauthorized",
	KindForbidden:           "forbidden",
	KindNotFound:            "not found",
	KindConflict:            "conflict",
	KindRateLimited:         "rate limited",
	KindUpstreamUnavailable: "upstream unavailable",
	KindConnection:          "connection failed",
	KindTimeout:             "timeout",
	KindCanceled:            "canceled",
	KindMalformedResponse:   "malformed response",
	KindCredentialsRejected: "credentials rejected",
}

// String returns the kind as short lower-case text, e.g. "rate limited".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Error is the only error type Client returns, unwrapped. Every field is
// safe to log and to show: Reason is scrubbed of the account secret,
// Telegent's token and the webhook's password and token in every spelling
// scrubber knows (raw in any letter case, JSON, URL, hex and base64), or
// withheld when one may remain, and Err never carries a response body.
type Error struct {
	// Kind classifies the failure.
	Kind Kind
	// Op is one of the Op constants.
	Op string
	// StatusCode is the upstream HTTP status, 0 if no response was received.
	StatusCode int
	// Reason is short, sanitised text from the upstream's error body, or a
	// fixed description written by this package; may be empty.
	Reason string
	// OutcomeUnknown is true when a call that changes Telegent (create,
	// update, delete) may have reached Telegent and no definitive answer
	// came back: a timeout or dropped connection after a connection was
	// obtained, a 502 or 504 (a proxy's answer, not Telegent's), or a
	// success status whose body could not be read or decoded. Retrying such
	// a create may create a second webhook; retrying an update or a delete
	// is harmless (the client already did, within its limits). Once one
	// attempt of an update or delete left the outcome unknown, whatever
	// error the call ends with is OutcomeUnknown, e.g. a delete's 404 on the
	// repeat: the webhook is gone, perhaps deleted by the first attempt.
	// Otherwise every error status is a definite failure. Never set for
	// OpFetchToken or OpListWebhooks.
	OutcomeUnknown bool
	// RetryAfter is the upstream's Retry-After on 429 and 503, 0 if absent.
	RetryAfter time.Duration
	// Err is the underlying cause (transport or decoding error), if any.
	Err error
}

// Error returns a one-line description that is safe to log.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("telegent: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown)")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err,
// context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the first *Error in err's chain, or KindUnknown.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return KindUnknown
}

// kindForStatus maps an upstream status to a Kind. Unlisted 4xx are the
// upstream refusing what we sent (BadRequest); 408 means the upstream gave up
// waiting for us, which is its trouble, not the request's.
func kindForStatus(op string, status int) Kind {
	if op == OpFetchToken {
		switch status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			return KindCredentialsRejected
		}
	}
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return KindBadRequest
	case http.StatusUnauthorized:
		return KindUnauthorized
	case http.StatusForbidden:
		return KindForbidden
	case http.StatusNotFound:
		return KindNotFound
	case http.StatusConflict:
		return KindConflict
	case http.StatusTooManyRequests:
		return KindRateLimited
	case http.StatusRequestTimeout:
		return KindUpstreamUnavailable
	}
	if status >= 400 && status < 500 {
		return KindBadRequest
	}
	return KindUpstreamUnavailable
}

// statusError builds the Error for a non-2xx answer.
func statusError(op string, status int, h http.Header, body []byte, now time.Time, secrets []string) *Error {
	e := &Error{
		Kind:       kindForStatus(op, status),
		Op:         op,
		StatusCode: status,
		Reason:     extractReason(h.Get("Content-Type"), body, secrets),
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(h.Get("Retry-After"), now)
	}
	return e
}

// transportError classifies a failure that produced no usable response.
// sent reports whether a connection had been obtained, i.e. whether any byte
// of the request may have reached the upstream.
func transportError(ctx context.Context, op string, err error, sent bool) *Error {
	e := &Error{Kind: KindConnection, Op: op, Err: err, OutcomeUnknown: sent && mutatingOp(op)}
	switch {
	case ctx.Err() != nil:
		e.Kind = ContextError(ctx, op, "").Kind
	case sent && isTimeout(err):
		// A timeout before a connection existed (the dialer's own) is a
		// connection failure; after, it is the exchange timing out.
		e.Kind = KindTimeout
	}
	return e
}

// ContextError is the one constructor of the error for a call whose
// context ended (ctx.Err() is not nil) before anything was sent, whoever
// was waiting (for a token, a backoff, a slot at the upstream): KindCanceled
// when it was canceled, KindTimeout when its deadline passed.
func ContextError(ctx context.Context, op, reason string) *Error {
	k := KindTimeout
	if errors.Is(ctx.Err(), context.Canceled) {
		k = KindCanceled
	}
	return &Error{Kind: k, Op: op, Reason: reason, Err: context.Cause(ctx)}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// isCertificateError reports a TLS verification failure: retrying cannot fix it.
func isCertificateError(err error) bool {
	_, ok := errors.AsType[*tls.CertificateVerificationError](err)
	return ok
}

// maxRetryAfter caps what we believe of Retry-After, so a confused proxy
// cannot tell callers to wait for days.
const maxRetryAfter = time.Hour

// parseRetryAfter reads delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, maxRetryAfter))
}

// maxReasonRunes bounds Reason; longer plain-text bodies are not echoed at
// all, longer JSON messages are cut.
const maxReasonRunes = 200

// maxReasonInput bounds the JSON message or plain-text body searched for
// secrets: a longer one is not echoed at all, so scrubbing costs little
// however large the body.
const maxReasonInput = 4 << 10

// reasonMembers are the JSON members error bodies commonly carry, in order of
// preference.
var reasonMembers = []string{"error", "Error", "message", "Message", "title", "Title", "detail", "error_description"}

// extractReason picks short, printable, secret-free text out of an error
// body. Bodies are unspecified upstream: JSON, plain text, a proxy's HTML or
// nothing at all.
func extractReason(contentType string, body []byte, secrets []string) string {
	reason, context := rawReason(contentType, body)
	return sanitizeIn(reason, context, newScrubber(secrets))
}

// sanitizeReason makes upstream text fit for Reason: one printable line of
// at most maxReasonRunes runes with every secret replaced, or "" when a
// secret may still be in it (see scrubber).
func sanitizeReason(s string, secrets []string) string {
	return sanitizeIn(s, s, newScrubber(secrets))
}

// sanitizeIn is sanitizeReason for s cut out of the longer context (the
// first line of a plain-text body): a secret split over the cut shows only
// in the context, so the context must be free of secrets too.
func sanitizeIn(s, context string, sc *scrubber) string {
	if s == "" {
		return ""
	}
	if context != s && sc.leaks(sc.replace(cleanText(sc.replace(context)))) {
		return ""
	}
	// Replace before and after cleaning, so that neither the raw text nor
	// its cleaned form can carry a secret; then withhold the text whole if
	// any spelling of one still shows once separators are ignored.
	s = sc.replace(cleanText(sc.replace(s)))
	if sc.leaks(s) {
		return ""
	}
	if utf8.RuneCountInString(s) > maxReasonRunes {
		r := []rune(s)
		s = string(r[:maxReasonRunes]) + "..."
	}
	return s
}

// rawReason returns the upstream's message in body, unsanitised, with the
// text it was taken from (the message itself, or the whole of a plain-text
// body whose first line it is).
func rawReason(contentType string, body []byte) (reason, context string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] == '<' {
		return "", "" // HTML or XML from a proxy: nothing useful and possibly large.
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && strings.Contains(mt, "html") {
		return "", ""
	}
	if body[0] == '{' || body[0] == '[' {
		// Broken or memberless JSON is not echoed: it may be our own request
		// reflected back with secrets in an escaped form.
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return "", ""
		}
		for _, k := range reasonMembers {
			if s := jsonText(m[k]); s != "" {
				if len(s) > maxReasonInput {
					return "", "" // not worth searching for secrets
				}
				return s, s
			}
		}
		return "", ""
	}
	if len(body) > maxReasonInput {
		return "", ""
	}
	line, _, _ := strings.Cut(string(body), "\n")
	line = strings.TrimSpace(line)
	if !utf8.ValidString(line) || utf8.RuneCountInString(line) > maxReasonRunes {
		return "", ""
	}
	for _, r := range line {
		if !unicode.IsPrint(r) && r != '\t' {
			return "", ""
		}
	}
	return line, string(body)
}

// jsonText returns a JSON string, or the message inside an error object such
// as {"error": {"message": "..."}}.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		for _, k := range []string{"message", "Message"} {
			if json.Unmarshal(obj[k], &s) == nil && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		}
	}
	return ""
}

// cleanText turns control and other non-printable characters into spaces and
// collapses runs of white space, so Reason stays on one line.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
