package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/secretscan"
)

// redactedMessage is the upstream message with the secret replaced; what is
// left of a longer base64 blob (its first few characters) may stay.
var redactedMessage = regexp.MustCompile(`"upstream_message":\s*"refused: [A-Za-z0-9+/]{0,4}\[REDACTED\]`)

// TestUpstreamEchoedSecretsNeverLeave: Telegent answers every create with
// 400 and an error message echoing one secret in one encoding (the account
// secret, its own token, the webhook password or token; raw upper-cased,
// hex, base64 in both alphabets, and inside longer base64 at each
// alignment). The facade's answers over gRPC and REST keep the message,
// redacted, and neither they nor its logs carry the secret.
func TestUpstreamEchoedSecretsNeverLeave(t *testing.T) {
	t.Parallel()
	const (
		telegentToken = "TgTok-e2e-9d8c7b6a5f4e3d2c1b0a"
		password      = "PASSWORD-echo-e2e-41aa"
		hookTok       = "HOOKTOKEN-echo-e2e-93bd"
	)
	secrets := map[string]string{"account": accountSecret, "bearer": telegentToken, "password": password, "token": hookTok}
	inBlob := func(prefix string) func(string) string {
		return func(s string) string { return base64.StdEncoding.EncodeToString([]byte(prefix + s + "}")) }
	}
	encodings := map[string]func(string) string{
		"upper":        strings.ToUpper,
		"hex":          func(s string) string { return hex.EncodeToString([]byte(s)) },
		"HEX":          func(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) },
		"base64":       func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
		"base64url":    func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) },
		"base64-upper": func(s string) string { return strings.ToUpper(base64.StdEncoding.EncodeToString([]byte(s))) },
		"blob1":        inBlob(`{`),
		"blob2":        inBlob(`{"`),
		"blob3":        inBlob(`{"a`),
	}

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/oauth2/tokens") {
			_ = json.NewEncoder(w).Encode(map[string]any{"token": telegentToken, "successful": true,
				"tokenExpiry": time.Now().UTC().Add(10 * time.Minute).Format("2006-01-02T15:04:05")})
			return
		}
		var req struct{ WebhookUrl string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		u, _ := url.Parse(req.WebhookUrl)
		encoding, secret, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "refused: " + encodings[encoding](secrets[secret]) + " is wrong"})
	}))
	t.Cleanup(upstream.Close)
	f := startFacade(t, upstream.URL, []string{"LOG_LEVEL=debug"})

	var answers []string
	for encoding, encode := range encodings {
		for name, secret := range secrets {
			req := basicReq("https://hooks.example.com/" + encoding + "/" + name)
			req.AuthenticationPassword = password
			if name == "token" {
				req.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN
				req.AuthenticationUsername, req.AuthenticationPassword, req.AuthenticationToken = "", "", hookTok
			}
			echoed := encode(secret)

			_, err := f.client.CreateWebhook(t.Context(), req)
			st := status.Convert(err)
			answer, _ := protojson.Marshal(st.Proto())
			if st.Code() != codes.InvalidArgument || !redactedMessage.Match(answer) {
				t.Errorf("gRPC, %s %s: %s, want INVALID_ARGUMENT with the redacted upstream message", name, encoding, answer)
			}
			body, _ := protojson.Marshal(req)
			code, rest := f.restCall(t.Context(), t, bytes.NewReader(body), nil)
			if code != http.StatusBadRequest || !redactedMessage.Match(rest) {
				t.Errorf("REST, %s %s: %d %s, want 400 with the redacted upstream message", name, encoding, code, rest)
			}
			for proto, a := range map[string]string{"gRPC": string(answer), "REST": string(rest)} {
				if leak := secretscan.Find(a, secret, echoed); leak != "" {
					t.Errorf("%s answer leaks the %s (%s, %s): %s", proto, name, encoding, leak, a)
				}
			}
			answers = append(answers, string(answer), string(rest))
		}
	}
	logs := f.output()
	if !strings.Contains(logs, `"code":"InvalidArgument"`) {
		t.Fatal("no request log lines captured")
	}
	for name, secret := range secrets {
		// Upper-cased base64 cannot be decoded: look for stretches of it
		// instead. (Other stretches are left out: the logs hold random hex
		// ids that a short stretch of hex could match by chance.)
		if leak := secretscan.Find(logs, secret, encodings["base64-upper"](secret)); leak != "" {
			t.Errorf("the logs leak the %s (%s)", name, leak)
		}
	}
	if len(answers) != 2*len(encodings)*len(secrets) {
		t.Errorf("%d answers, want %d", len(answers), 2*len(encodings)*len(secrets))
	}
}
