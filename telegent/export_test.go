package telegent

import (
	"context"
	"net/http"
	"testing"
)

// Exported to this package's external tests (package telegent_test), which
// may import the packages that import this one.
var (
	DecodeCreateResponse = decodeWebhook
	DecodeWebhookList    = decodeWebhookList
)

// PrimedClient returns a Client whose create token is cached and fresh.
func PrimedClient(tb testing.TB) *Client { return primedClient(tb, http.DefaultTransport) }

// CreateToken returns the token the next create would send: on a
// PrimedClient, a cache hit.
func (c *Client) CreateToken(ctx context.Context) (string, error) {
	t, err := c.token(ctx, c.targets[epCreate].scope)
	return t.value, err
}

// SanitizeReason is sanitizeReason, for the encoding fuzz test.
var SanitizeReason = sanitizeReason
