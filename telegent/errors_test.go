package telegent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestKindForStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op     string
		status int
		want   Kind
	}{
		{OpCreateWebhook, 400, KindBadRequest},
		{OpCreateWebhook, 401, KindUnauthorized},
		{OpCreateWebhook, 403, KindForbidden},
		{OpCreateWebhook, 404, KindNotFound},
		{OpCreateWebhook, 405, KindBadRequest},
		{OpCreateWebhook, 408, KindUpstreamUnavailable},
		{OpCreateWebhook, 409, KindConflict},
		{OpCreateWebhook, 410, KindBadRequest},
		{OpCreateWebhook, 415, KindBadRequest},
		{OpCreateWebhook, 422, KindBadRequest},
		{OpCreateWebhook, 429, KindRateLimited},
		{OpCreateWebhook, 500, KindUpstreamUnavailable},
		{OpCreateWebhook, 503, KindUpstreamUnavailable},
		{OpCreateWebhook, 599, KindUpstreamUnavailable},
		{OpCreateWebhook, 301, KindUpstreamUnavailable},
		{OpCreateWebhook, 100, KindUpstreamUnavailable},
		{OpFetchToken, 400, KindCredentialsRejected},
		{OpFetchToken, 401, KindCredentialsRejected},
		{OpFetchToken, 403, KindCredentialsRejected},
		{OpFetchToken, 404, KindNotFound},
		{OpFetchToken, 429, KindRateLimited},
		{OpFetchToken, 500, KindUpstreamUnavailable},
	}
	for _, tc := range tests {
		if got := kindForStatus(tc.op, tc.status); got != tc.want {
			t.Errorf("kindForStatus(%q, %d) = %v, want %v", tc.op, tc.status, got, tc.want)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for k := KindUnknown; k <= KindCredentialsRejected; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "Kind(") || seen[s] {
			t.Errorf("Kind %d has name %q", int(k), s)
		}
		seen[s] = true
	}
	if got := Kind(99).String(); got != "Kind(99)" {
		t.Errorf("Kind(99) = %q", got)
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	cause := fmt.Errorf("read: %w", context.DeadlineExceeded)
	e := &Error{Kind: KindTimeout, Op: OpCreateWebhook, StatusCode: 200, Reason: "slow", OutcomeUnknown: true, Err: cause}
	const want = "telegent: create_webhook: timeout (HTTP 200): slow (outcome unknown): read: context deadline exceeded"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	wrapped := fmt.Errorf("create: %w", e)
	if !errors.Is(wrapped, context.DeadlineExceeded) || KindOf(wrapped) != KindTimeout {
		t.Error("cause or kind lost through wrapping")
	}
	if KindOf(errors.New("other")) != KindUnknown || KindOf(nil) != KindUnknown {
		t.Error("KindOf of a foreign error is not KindUnknown")
	}
	if got := (&Error{Kind: KindConflict, Op: OpCreateWebhook, StatusCode: 409}).Error(); got != "telegent: create_webhook: conflict (HTTP 409)" {
		t.Errorf("minimal Error() = %q", got)
	}
}

func TestExtractReason(t *testing.T) {
	t.Parallel()
	secrets := []string{testPassword, testHookToken, testSecret, "tok-1", ""}
	tests := map[string]struct {
		contentType, body, want string
	}{
		"json error":                         {body: `{"error":"nope"}`, want: "nope"},
		"json Error":                         {body: `{"Error":"nope"}`, want: "nope"},
		"json message":                       {body: `{"message":"nope"}`, want: "nope"},
		"json Message":                       {body: `{"Message":"nope"}`, want: "nope"},
		"json title":                         {body: `{"title":"nope"}`, want: "nope"},
		"error preferred":                    {body: `{"message":"second","error":"first"}`, want: "first"},
		"empty error skipped":                {body: `{"error":"","message":"second"}`, want: "second"},
		"non-string error":                   {body: `{"error":true,"message":"m"}`, want: "m"},
		"nested":                             {body: `{"error":{"Message":"inner"}}`, want: "inner"},
		"json array":                         {body: `["a"]`},
		"json multi-line":                    {body: `{"error":"line one\nline two\ttab"}`, want: "line one line two tab"},
		"json control chars":                 {body: `{"error":"a\u0000b\u001bc"}`, want: "a b c"},
		"plain":                              {body: "Service Unavailable", want: "Service Unavailable"},
		"plain first line":                   {body: "\n  first  \nsecond", want: "first"},
		"plain exactly 200":                  {body: strings.Repeat("a", 200), want: strings.Repeat("a", 200)},
		"plain over 200":                     {body: strings.Repeat("a", 201)},
		"plain unprintable":                  {body: "bell\a"},
		"invalid utf-8":                      {body: "caf\xe9"},
		"invalid utf-8 after the first line": {body: "first line\n\xff\xfe" + testHookToken + "\xff", want: "first line"},
		"html body":                          {body: "<!DOCTYPE html><title>502</title>"},
		"html content type":                  {contentType: "text/html; charset=utf-8", body: "Bad gateway"},
		"xml":                                {body: `<?xml version="1.0"?><error>x</error>`},
		"whitespace only":                    {body: " \n\t "},
		"password raw":                       {body: `{"error":"pw ` + testPassword + `"}`, want: "pw [REDACTED]"},
		"password url-encoded":               {body: "pw s3cureP%40ss+word", want: "pw [REDACTED]"},
		"password path-encoded":              {body: "pw s3cureP@ss%20word", want: "pw [REDACTED]"},
		"secret json-escaped":                {body: `secret acct-Secret/9f8e\"7d`, want: "secret [REDACTED]"},
		"secret split by NUL": {
			// Cleaning turns the NUL into a space; the secret is still
			// readable, so the text is withheld.
			body: `{"error":"hook-token-abc\u0000123XYZ"}`, want: "",
		},
		"bearer": {body: "Bearer tok-1 expired", want: "Bearer [REDACTED] expired"},
		"secret straddling the cut": {
			body: `{"error":"` + strings.Repeat("z", 195) + testHookToken + `"}`,
			want: strings.Repeat("z", 195) + "[REDA...",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := extractReason(tc.contentType, []byte(tc.body), secrets)
			if got != tc.want {
				t.Errorf("extractReason(%q) = %q, want %q", tc.body, got, tc.want)
			}
			assertNoSecrets(t, "reason", got)
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 2, 18, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in   string
		want time.Duration
	}{
		"empty":      {in: "", want: 0},
		"seconds":    {in: "120", want: 2 * time.Minute},
		"zero":       {in: "0", want: 0},
		"negative":   {in: "-5", want: 0},
		"huge":       {in: "99999999999999", want: maxRetryAfter},
		"date":       {in: now.Add(90 * time.Second).Format(http.TimeFormat), want: 90 * time.Second},
		"past date":  {in: now.Add(-time.Hour).Format(http.TimeFormat), want: 0},
		"far date":   {in: now.Add(48 * time.Hour).Format(http.TimeFormat), want: maxRetryAfter},
		"garbage":    {in: "later", want: 0},
		"fractional": {in: "1.5", want: 0},
		"spaces":     {in: " 3 ", want: 3 * time.Second},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := parseRetryAfter(tc.in, now); got != tc.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt := range 40 {
		want := min(100*time.Millisecond<<min(attempt, 16), maxBackoff)
		if attempt >= 16 {
			want = maxBackoff
		}
		for range 50 {
			if d := backoff(100*time.Millisecond, attempt); d < want/2 || d > want {
				t.Fatalf("backoff(attempt %d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}
