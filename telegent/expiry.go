package telegent

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// TokenExpiryLayout is the documented layout of the token response's
// tokenExpiry, e.g. "05/02/2025 06:36:13 PM".
const TokenExpiryLayout = "01/02/2006 03:04:05 PM"

// lenientExpiryLayout accepts the documented layout and the same without
// zero padding ("5/2/2025 6:36:13 PM"), which US-style formatters also emit.
const lenientExpiryLayout = "1/2/2006 3:04:05 PM"

// maxExpiryInput bounds what we try to parse; a real value is 22 bytes.
const maxExpiryInput = 64

// ParseTokenExpiry parses a tokenExpiry value. The upstream does not say
// which time zone it uses, so the documented layout is read as UTC; the
// caller must sanity-check the result against its own clock (Client does,
// see Config.MaxTokenLifetime). RFC 3339 is accepted as well, in case the
// upstream ever moves to an unambiguous format. The result is always in UTC.
func ParseTokenExpiry(s string) (time.Time, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return time.Time{}, errors.New("parse token expiry: empty")
	}
	if len(s) > maxExpiryInput {
		return time.Time{}, fmt.Errorf("parse token expiry: %d bytes is too long", len(s))
	}
	if t, err := time.ParseInLocation(lenientExpiryLayout, s, time.UTC); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("parse token expiry %q: want layout %q", s, TokenExpiryLayout)
}

// minTokenLifetime is the shortest remaining lifetime we believe. Anything
// shorter (or already past) most likely means the upstream wrote its local
// time and that zone is behind UTC.
const minTokenLifetime = 10 * time.Second

// tokenLifetime decides when a token fetched at sentAt expires. sentAt is
// when the request was sent, not when the answer arrived, so a slow answer
// shortens the lifetime rather than stretching it. why is empty when the
// upstream's own expiry was believed.
func tokenLifetime(raw string, sentAt time.Time, maxLifetime, fallback time.Duration) (expiry time.Time, why string) {
	parsed, err := ParseTokenExpiry(raw)
	switch {
	case err != nil:
		why = "unparseable"
	case parsed.Before(sentAt.Add(minTokenLifetime)):
		why = "in the past or too close"
	case parsed.After(sentAt.Add(maxLifetime)):
		why = "too far ahead"
	default:
		return parsed, ""
	}
	return sentAt.Add(fallback), why
}

// refreshAt returns when to fetch a replacement: margin before expiry, but
// never more than a fifth of the lifetime, so a token of a minute or two is
// still used for most of its life.
func refreshAt(sentAt, expiry time.Time, margin time.Duration) time.Time {
	return expiry.Add(-min(margin, expiry.Sub(sentAt)/5))
}
