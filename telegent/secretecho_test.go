package telegent_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/platform/telegent-facade/internal/secretscan"
	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// The secrets an upstream could echo. Each is at least 16 bytes and holds
// characters that JSON, URL and base64 encode differently.
const (
	echoAccountSecret = `aCcT-sEcReT/9f8e"7d<&>+x`
	echoPassword      = "s3cureP@ss word!"
	echoHookToken     = "hook-token-abc123XYZ"
	echoBearer        = "TgTok_4f9a1c77e2b04d0b9e1d"
)

var echoSecrets = map[string]string{
	"account secret":   echoAccountSecret,
	"webhook password": echoPassword,
	"webhook token":    echoHookToken,
	"Telegent token":   echoBearer,
}

// echoForm is one way an upstream might spell a secret in its error text.
type echoForm struct {
	name   string
	encode func(secret string) string
	// withheld is set for spellings the facade cannot repair in place (the
	// secret spread out by separators): the whole text must go.
	withheld bool
}

func b64(enc *base64.Encoding) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(s)) }
}

// embedded encodes the secret inside a longer blob, after prefix bytes, so
// that it starts at each of the three base64 bit alignments.
func embedded(enc *base64.Encoding, prefix string) func(string) string {
	return func(s string) string { return enc.EncodeToString([]byte(prefix + s + "!")) }
}

var echoForms = []echoForm{
	{name: "raw", encode: func(s string) string { return s }},
	{name: "upper", encode: strings.ToUpper},
	{name: "lower", encode: strings.ToLower},
	{name: "swapped case", encode: func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 32
			}
			if r >= 'A' && r <= 'Z' {
				return r + 32
			}
			return r
		}, s)
	}},
	{name: "json escaped", encode: func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }},
	{name: "query escaped", encode: url.QueryEscape},
	{name: "path escaped", encode: url.PathEscape},
	{name: "query escaped lower hex", encode: func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	}},
	{name: "hex", encode: func(s string) string { return hex.EncodeToString([]byte(s)) }},
	{name: "HEX", encode: func(s string) string { return strings.ToUpper(hex.EncodeToString([]byte(s))) }},
	{name: "hex of upper", encode: func(s string) string { return hex.EncodeToString([]byte(strings.ToUpper(s))) }},
	{name: "hex with colons", withheld: true, encode: func(s string) string {
		h := hex.EncodeToString([]byte(s))
		var parts []string
		for i := 0; i < len(h); i += 2 {
			parts = append(parts, h[i:i+2])
		}
		return strings.Join(parts, ":")
	}},
	{name: "percent-encoded bytes", withheld: true, encode: func(s string) string {
		var b strings.Builder
		for _, c := range []byte(s) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		return b.String()
	}},
	{name: "base64 std padded", encode: b64(base64.StdEncoding)},
	{name: "base64 std raw", encode: b64(base64.RawStdEncoding)},
	{name: "base64 url padded", encode: b64(base64.URLEncoding)},
	{name: "base64 url raw", encode: b64(base64.RawURLEncoding)},
	{name: "base64 upper-cased", encode: func(s string) string { return strings.ToUpper(base64.StdEncoding.EncodeToString([]byte(s))) }},
	{name: "base64 lower-cased", encode: func(s string) string { return strings.ToLower(base64.StdEncoding.EncodeToString([]byte(s))) }},
	{name: "base64 of upper", encode: func(s string) string { return base64.StdEncoding.EncodeToString([]byte(strings.ToUpper(s))) }},
	{name: "base64 of lower", encode: func(s string) string { return base64.URLEncoding.EncodeToString([]byte(strings.ToLower(s))) }},
	{name: "base64 std in blob, alignment 0", encode: embedded(base64.StdEncoding, "abc")},
	{name: "base64 std in blob, alignment 1", encode: embedded(base64.StdEncoding, "a")},
	{name: "base64 std in blob, alignment 2", encode: embedded(base64.StdEncoding, "ab")},
	{name: "base64 url in blob, alignment 1", encode: embedded(base64.RawURLEncoding, "{\"k\":")},
	{name: "base64 url in blob, alignment 2", encode: embedded(base64.RawURLEncoding, "xy")},
	{name: "base64 wrapped over lines", withheld: true, encode: func(s string) string {
		enc := base64.StdEncoding.EncodeToString([]byte(s))
		return enc[:len(enc)/2] + "\n" + enc[len(enc)/2:]
	}},
	{name: "spaced out", withheld: true, encode: func(s string) string { return strings.Join(strings.Split(s, ""), " ") }},
}

// startEchoUpstream is a Telegent that answers every create with 400, or
// every token call with 401 when refuseTokens, with what body returns.
func startEchoUpstream(t *testing.T, refuseTokens bool, body func() (string, string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/oauth2/tokens") && !refuseTokens:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"token": echoBearer, "successful": true,
				"tokenExpiry": time.Now().UTC().Add(5 * time.Minute).Format("2006-01-02T15:04:05"),
			})
		default:
			ct, b := body()
			w.Header().Set("Content-Type", ct)
			status := http.StatusBadRequest
			if refuseTokens {
				status = http.StatusUnauthorized
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(b))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSecretsEchoedInAnyEncodingNeverLeave has an upstream echo every
// secret in every spelling of echoForms, as JSON and as plain text, on the
// create call (400, whose text callers see as upstream_message) and on the
// token call (401, whose text only operators see, in the logs). Nothing
// that leaves (the error's text, the gRPC status with its details that the
// service returns, and every log line of the client and the service) may
// hold the secret, and text that could be repaired must still say something.
func TestSecretsEchoedInAnyEncodingNeverLeave(t *testing.T) {
	t.Parallel()
	for _, form := range echoForms {
		for secretName, secret := range echoSecrets {
			for _, kind := range []string{"json", "plain"} {
				for _, op := range []string{telegent.OpCreateWebhook, telegent.OpFetchToken} {
					if op == telegent.OpFetchToken && secret != echoAccountSecret {
						continue // the token call carries the account secret only
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", op, form.name, secretName, kind), func(t *testing.T) {
						t.Parallel()
						checkEcho(t, op, form, secret, kind)
					})
				}
			}
		}
	}
}

func checkEcho(t *testing.T, op string, form echoForm, secret, kind string) {
	encoded := form.encode(secret)
	message := "refused: " + encoded + " is wrong"
	body := func() (string, string) {
		if kind == "plain" {
			return "text/plain", message
		}
		b, _ := json.Marshal(map[string]string{"error": message})
		return "application/json", string(b)
	}
	base := startEchoUpstream(t, op == telegent.OpFetchToken, body)
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := telegent.New(telegent.Config{
		BaseURL: base, AccountKey: "DID-echo", AccountSecret: echoAccountSecret,
		Logger: logger, TokenRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, callErr := c.CreateWebhook(context.Background(), &telegent.CreateWebhookRequest{
		AccountId: "AID-1", WebhookUrl: "https://hooks.example.com/x", Method: "POST", DataFormat: "JSON",
		AuthenticationType: "Basic", AuthenticationUsername: "u",
		AuthenticationPassword: echoPassword, AuthenticationToken: echoHookToken,
	})
	if callErr == nil {
		t.Fatal("the call succeeded")
	}
	te, ok := errors.AsType[*telegent.Error](callErr)
	if !ok || te.Op != op {
		t.Fatalf("error = %v, want a %s failure", callErr, op)
	}
	st := status.Convert(service.Status(context.Background(), logger, callErr))
	answer, err := protojson.Marshal(st.Proto())
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"Error()":        callErr.Error(),
		"%+v":            fmt.Sprintf("%+v", callErr),
		"service status": string(answer),
		"logs":           logs.String(),
	}
	for where, out := range outputs {
		if leak := secretscan.Find(out, secret, encoded); leak != "" {
			t.Errorf("%s leaks the secret (%s): %.400s", where, leak, out)
		}
	}
	// The secret went; the text around it stays when it could be repaired.
	switch {
	case form.withheld && te.Reason != "" && !strings.HasPrefix(te.Reason, "token call"):
		t.Errorf("Reason = %q, want the text withheld", te.Reason)
	case !form.withheld && !(strings.HasPrefix(te.Reason, "refused: ") && strings.Contains(te.Reason, "[REDACTED]") && strings.HasSuffix(te.Reason, " is wrong")):
		t.Errorf("Reason = %q, want the text with the secret redacted", te.Reason)
	}
	if op == telegent.OpCreateWebhook && te.Reason != "" && !strings.Contains(string(answer), "REDACTED") {
		t.Errorf("the service's answer does not carry the redacted upstream message: %s", answer)
	}
	if op == telegent.OpFetchToken && !strings.Contains(logs.String(), "token fetch failed") {
		t.Errorf("the token call's failure is not logged: %s", logs.String())
	}
}

// FuzzSecretInEncodedBlob hides a secret at any position inside a blob of
// arbitrary bytes, encodes the blob in one of the spellings the scrubber
// knows, and checks that the text the facade would pass on never carries
// the secret: whatever is left, decoded at every offset, does not hold it.
func FuzzSecretInEncodedBlob(f *testing.F) {
	f.Add([]byte("a"), []byte("!"), uint8(0), false)
	f.Add([]byte("ab"), []byte{}, uint8(1), true)
	f.Add([]byte{}, []byte("xyz\x00"), uint8(2), false)
	f.Add([]byte("{\"k\":"), []byte("\"}"), uint8(3), true)
	f.Fuzz(func(t *testing.T, prefix, suffix []byte, encoding uint8, upper bool) {
		if len(prefix) > 64 || len(suffix) > 64 {
			return
		}
		for _, secret := range []string{echoAccountSecret, echoPassword, echoHookToken, echoBearer} {
			blob := append(append(append([]byte{}, prefix...), secret...), suffix...)
			// part is the stretch of the encoding that only the secret's
			// bits determine: none of it may be left.
			var enc, part string
			start, end := (8*len(prefix)+5)/6, 8*(len(prefix)+len(secret))/6
			switch encoding % 5 {
			case 0:
				enc = base64.StdEncoding.EncodeToString(blob)
				part = enc[start:end]
			case 1:
				enc = base64.RawURLEncoding.EncodeToString(blob)
				part = enc[start:end]
			case 2:
				enc = hex.EncodeToString(blob)
				part = enc[2*len(prefix) : 2*(len(prefix)+len(secret))]
			case 3:
				enc = base64.RawStdEncoding.EncodeToString(blob)
				part = enc[start:end]
			default:
				enc = url.QueryEscape(string(blob))
				part = url.QueryEscape(secret)
			}
			if upper {
				enc = strings.ToUpper(enc)
			}
			out := telegent.SanitizeReason("refused: "+enc, []string{echoAccountSecret, echoPassword, echoHookToken, echoBearer})
			if leak := secretscan.Find(out, secret, part); leak != "" {
				t.Fatalf("%q leaks %q (%s)", out, secret, leak)
			}
		}
	})
}
