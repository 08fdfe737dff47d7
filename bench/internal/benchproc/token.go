package benchproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/platform/telegent-facade/telegentsim"
)

// Token fetches, with hc, a bearer token from the Telegent simulator at
// simURL for its default account, scoped to the simulator's create URL.
// The plain proxy keeps the simulator's Host, so the same token is valid
// through the hop.
func Token(ctx context.Context, hc *http.Client, simURL string) (string, error) {
	body, err := json.Marshal(map[string]string{
		"AccountKey": telegentsim.DefaultAccountKey, "AccountSecret": telegentsim.DefaultAccountSecret,
		"ApiEndpoint": simURL + telegentsim.CreatePath,
	})
	if err != nil {
		return "", fmt.Errorf("encode token request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, simURL+telegentsim.TokenPath, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("fetch a token: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch a token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return "", fmt.Errorf("fetch a token: HTTP %d", resp.StatusCode)
	}
	var tr struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		return "", fmt.Errorf("decode token: %w", err)
	}
	if tr.Token == "" {
		return "", fmt.Errorf("fetch a token: answer without a token")
	}
	return tr.Token, nil
}
