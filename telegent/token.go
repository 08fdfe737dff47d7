package telegent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// token is a bearer token for one scope, with times read from Client's Clock.
type token struct {
	value     string
	expiry    time.Time // never sent at or after this instant
	refreshAt time.Time // callers from here on fetch a replacement
}

// tokenCache holds one token per scope. Telegent scopes a token to exactly one
// endpoint URL and rejects it everywhere else, so tokens for different
// endpoints must never share an entry. Concurrent fetches for a scope are
// collapsed into one by flights (keyed by scope).
type tokenCache struct {
	mu      sync.Mutex
	byScope map[string]token
	flights singleflight.Group
}

func (tc *tokenCache) load(scope string) (token, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	t, ok := tc.byScope[scope]
	return t, ok
}

func (tc *tokenCache) store(scope string, t token) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.byScope == nil {
		tc.byScope = make(map[string]token)
	}
	tc.byScope[scope] = t
}

// invalidate drops scope's token, but only if it is still value: when many
// calls get a 401 for the same stale token, the first one's replacement must
// not be thrown away by the others.
func (tc *tokenCache) invalidate(scope, value string) bool {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if t, ok := tc.byScope[scope]; ok && t.value == value {
		delete(tc.byScope, scope)
		return true
	}
	return false
}

// token returns a usable token for scope: the cached one until its refresh
// time, otherwise the result of a fetch shared with every concurrent caller.
// Each caller waits only as long as its own ctx allows.
func (c *Client) token(ctx context.Context, scope string) (token, error) {
	if ctx.Err() != nil {
		return token{}, ContextError(ctx, OpFetchToken, "")
	}
	if t, ok := c.tokens.load(scope); ok && c.clock.Now().Before(t.refreshAt) {
		return t, nil
	}
	ch := c.tokens.flights.DoChan(scope, func() (any, error) {
		return c.refreshToken(ctx, scope)
	})
	select {
	case <-ctx.Done():
		return token{}, ContextError(ctx, OpFetchToken, "")
	case res := <-ch:
		now := c.clock.Now()
		if res.Err != nil {
			// A failed early refresh must not fail callers while the old
			// token is still good.
			if t, ok := c.tokens.load(scope); ok && now.Before(t.expiry) {
				return t, nil
			}
			return token{}, res.Err
		}
		t := res.Val.(token)
		if !now.Before(t.expiry) {
			return token{}, &Error{Kind: KindMalformedResponse, Op: OpFetchToken, Reason: "token expired on arrival"}
		}
		return t, nil
	}
}

// refreshToken runs once per flight and stores what it fetched.
func (c *Client) refreshToken(caller context.Context, scope string) (token, error) {
	// A flight that ended between the caller's cache check and this one
	// starting may already have done the work.
	if t, ok := c.tokens.load(scope); ok && c.clock.Now().Before(t.refreshAt) {
		return t, nil
	}
	// The fetch is shared, so it must not die with the caller that happened to
	// start it (trap 8): keep the values (trace ids), drop the cancellation,
	// and bound it by its own timeout instead.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(caller), c.cfg.TokenFetchTimeout)
	defer cancel()

	t, err := c.fetchToken(ctx, scope)
	if err != nil {
		outcome := TokenFetchFailed
		if err.Kind == KindCredentialsRejected {
			outcome = TokenFetchRejected
		}
		c.obs.ObserveTokenFetch(outcome)
		c.log.LogAttrs(ctx, slog.LevelWarn, "telegent: token fetch failed",
			slog.String("scope", scope), slog.String("error", err.Error()))
		return token{}, err
	}
	c.tokens.store(scope, t)
	c.obs.ObserveTokenFetch(TokenFetchOK)
	return t, nil
}

// tokenBackoffBase is the first retry delay of a token fetch.
const tokenBackoffBase = 100 * time.Millisecond

// fetchToken calls the token endpoint, retrying what may be transient
// (connection failures, 5xx, 408, 429) within ctx. Asking for a token twice
// does no harm, unlike creating a webhook twice.
func (c *Client) fetchToken(ctx context.Context, scope string) (token, *Error) {
	body, err := json.Marshal(tokenRequest{
		AccountKey:    c.cfg.AccountKey,
		AccountSecret: c.cfg.AccountSecret,
		ApiEndpoint:   scope,
	})
	if err != nil {
		return token{}, &Error{Kind: KindBadRequest, Op: OpFetchToken, Reason: "cannot encode token request"}
	}
	for attempt := 0; ; attempt++ {
		t, e := c.attemptToken(ctx, body)
		if e == nil {
			return t, nil
		}
		reason, ok := tokenRetryReason(e)
		if !ok || attempt >= c.tokenRetries {
			return token{}, e
		}
		delay := max(backoff(tokenBackoffBase, attempt), e.RetryAfter)
		if !fitsDeadline(ctx, delay) {
			return token{}, e
		}
		c.obs.ObserveRetry(OpFetchToken, reason)
		if c.sleep(ctx, delay) != nil {
			return token{}, e
		}
	}
}

// tokenRetryReason says whether a failed token call is worth repeating.
func tokenRetryReason(e *Error) (string, bool) {
	switch e.Kind {
	case KindConnection:
		return RetryConnection, !isCertificateError(e.Err)
	case KindRateLimited:
		return RetryStatus, true
	case KindUpstreamUnavailable:
		// Not 1xx/3xx: those will not change by asking again.
		return RetryStatus, e.StatusCode >= 500 || e.StatusCode == 408
	}
	return "", false
}

// attemptToken makes one token call.
func (c *Client) attemptToken(ctx context.Context, body []byte) (t token, e *Error) {
	start := time.Now()
	status := 0
	defer func() { c.observeUpstream(OpFetchToken, status, time.Since(start), e) }()

	secrets := []string{c.cfg.AccountSecret}
	sentAt := c.clock.Now()
	rep, e, _, _ := c.exchange(ctx, OpFetchToken, http.MethodPost, c.tokenTarget, nil, "", body)
	if e != nil {
		return token{}, e
	}
	status = rep.status
	if rep.status < 200 || rep.status > 299 {
		return token{}, statusError(OpFetchToken, rep.status, rep.header, rep.body, c.clock.Now(), secrets)
	}
	if rep.readErr != nil {
		e = transportError(ctx, OpFetchToken, rep.readErr, true)
		e.StatusCode = rep.status
		return token{}, e
	}
	malformed := func(reason string, err error) *Error {
		return &Error{Kind: KindMalformedResponse, Op: OpFetchToken, StatusCode: rep.status, Reason: reason, Err: err}
	}
	if rep.tooLarge {
		return token{}, malformed(fmt.Sprintf("token response exceeds %d bytes", c.cfg.MaxResponseBytes), nil)
	}
	var tr tokenResponse
	if err := json.Unmarshal(rep.body, &tr); err != nil {
		return token{}, malformed("token response is not the documented JSON", err)
	}
	refused := tr.Successful != nil && !*tr.Successful
	if refused || (tr.Token == "" && tr.Error != "") {
		reason := sanitizeReason(tr.Error, append(secrets, tr.Token))
		if reason == "" {
			reason = "token call refused"
		}
		return token{}, &Error{Kind: KindCredentialsRejected, Op: OpFetchToken, StatusCode: rep.status, Reason: reason}
	}
	if tr.Token == "" {
		return token{}, malformed("token response has no token", nil)
	}

	expiry, why := tokenLifetime(tr.TokenExpiry, sentAt, c.cfg.MaxTokenLifetime, c.cfg.FallbackTokenLifetime)
	if why != "" {
		// Once per Client: if the upstream's zone is off, every fetch is, and
		// one line says all there is to say.
		c.expiryWarning.Do(func() {
			c.log.LogAttrs(ctx, slog.LevelWarn, "telegent: token expiry not believed, using fallback lifetime (logged once)",
				slog.String("tokenExpiry", sanitizeReason(tr.TokenExpiry, []string{tr.Token, c.cfg.AccountSecret})),
				slog.String("why", why),
				slog.Time("sent_at", sentAt),
				slog.Duration("fallback_lifetime", c.cfg.FallbackTokenLifetime))
		})
	}
	return token{value: tr.Token, expiry: expiry, refreshAt: refreshAt(sentAt, expiry, c.cfg.RefreshMargin)}, nil
}
