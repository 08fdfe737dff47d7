package telegent

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// CreateWebhookRequest is the body of POST /v1.0/webhook/create.
//
// Field names copy the upstream's documented member names (AccountId, not
// AccountID) so they can be checked against Telegent's reference page one to
// one. Every member is always sent: the schema types them "string | null" and
// the documented example sends "" for an unused secret.
//
// AuthenticationPassword and AuthenticationToken are secrets. String, Format
// (every fmt verb, including %+v and %#v) and LogValue redact them, because
// requests get logged.
type CreateWebhookRequest struct {
	// AccountId is the Telegent account, "AID-XXXXXXX" (max 100).
	AccountId string `json:"AccountId"`
	// WebhookUrl is the HTTPS URL Telegent calls (max 255).
	WebhookUrl string `json:"WebhookUrl"`
	// Method is the HTTP method Telegent calls it with, e.g. POST (max 10).
	Method string `json:"Method"`
	// DataFormat is the payload format, e.g. json or xml (max 50).
	DataFormat string `json:"DataFormat"`
	// AuthenticationType is None, Basic or Token (max 10).
	AuthenticationType string `json:"AuthenticationType"`
	// AuthenticationUsername is required for Basic (max 255).
	AuthenticationUsername string `json:"AuthenticationUsername"`
	// AuthenticationPassword is required for Basic (max 255). Secret.
	AuthenticationPassword string `json:"AuthenticationPassword"`
	// AuthenticationToken is required for Token (max 255). Secret.
	AuthenticationToken string `json:"AuthenticationToken"`
	// SubscribedEvents is a comma-separated list, e.g. "Order_Update" (max 255).
	SubscribedEvents string `json:"SubscribedEvents"`
}

// Redact shows whether a secret is set without showing it: "" for an
// empty one, "[REDACTED]" otherwise.
func Redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String renders the request like %+v would, with the secrets redacted.
func (r CreateWebhookRequest) String() string {
	return fmt.Sprintf("{AccountId:%s WebhookUrl:%s Method:%s DataFormat:%s AuthenticationType:%s AuthenticationUsername:%s AuthenticationPassword:%s AuthenticationToken:%s SubscribedEvents:%s}",
		r.AccountId, r.WebhookUrl, r.Method, r.DataFormat, r.AuthenticationType,
		r.AuthenticationUsername, Redact(r.AuthenticationPassword), Redact(r.AuthenticationToken), r.SubscribedEvents)
}

// GoString renders the request like %#v would, with the secrets redacted.
func (r CreateWebhookRequest) GoString() string {
	q := strconv.Quote
	return "telegent.CreateWebhookRequest{AccountId:" + q(r.AccountId) +
		", WebhookUrl:" + q(r.WebhookUrl) + ", Method:" + q(r.Method) +
		", DataFormat:" + q(r.DataFormat) + ", AuthenticationType:" + q(r.AuthenticationType) +
		", AuthenticationUsername:" + q(r.AuthenticationUsername) +
		", AuthenticationPassword:" + q(Redact(r.AuthenticationPassword)) +
		", AuthenticationToken:" + q(Redact(r.AuthenticationToken)) +
		", SubscribedEvents:" + q(r.SubscribedEvents) + "}"
}

// Format implements fmt.Formatter so that no verb (%d and %x included, which
// would otherwise print the fields raw) can reveal the secrets.
func (r CreateWebhookRequest) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(r.GoString()))
	case verb == 'q':
		_, _ = f.Write([]byte(strconv.Quote(r.String())))
	default:
		_, _ = f.Write([]byte(r.String()))
	}
}

// LogValue implements slog.LogValuer with the secrets redacted.
func (r CreateWebhookRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("AccountId", r.AccountId),
		slog.String("WebhookUrl", r.WebhookUrl),
		slog.String("Method", r.Method),
		slog.String("DataFormat", r.DataFormat),
		slog.String("AuthenticationType", r.AuthenticationType),
		slog.String("AuthenticationUsername", r.AuthenticationUsername),
		slog.String("AuthenticationPassword", Redact(r.AuthenticationPassword)),
		slog.String("AuthenticationToken", Redact(r.AuthenticationToken)),
		slog.String("SubscribedEvents", r.SubscribedEvents),
	)
}

// Webhook is the upstream's answer to a successful create: the request echoed
// back plus WebhookId and Active. The echoed AuthenticationPassword and
// AuthenticationToken are deliberately not decoded, so they can never be
// logged or returned from here.
type Webhook struct {
	// WebhookId identifies the new webhook, e.g. "WID-1234567"; never empty.
	WebhookId string `json:"WebhookId"`
	// AccountId is echoed from the request.
	AccountId string `json:"AccountId"`
	// WebhookUrl is echoed from the request.
	WebhookUrl string `json:"WebhookUrl"`
	// Method is echoed from the request.
	Method string `json:"Method"`
	// DataFormat is echoed from the request.
	DataFormat string `json:"DataFormat"`
	// AuthenticationType is echoed from the request.
	AuthenticationType string `json:"AuthenticationType"`
	// AuthenticationUsername is echoed from the request.
	AuthenticationUsername string `json:"AuthenticationUsername"`
	// SubscribedEvents is echoed from the request.
	SubscribedEvents string `json:"SubscribedEvents"`
	// Active is nil when the upstream sent null or nothing: unknown, which is
	// not the same as false.
	Active *bool `json:"Active"`
	// HasPassword and HasToken say whether Telegent reported a password or
	// token (the list call may); the secrets themselves are never kept.
	HasPassword bool `json:"-"`
	HasToken    bool `json:"-"`
}

// errNoWebhookID reports a success body without the one member we need.
var errNoWebhookID = errors.New("response has no WebhookId")

// decodeCreateResponse decodes a 2xx create body. Unknown members are
// ignored, as the upstream may add some. A mistyped echo member (say
// "Active": "yes") leaves that field zero rather than failing the call: the
// webhook exists, and failing would hide its id. Only a missing or empty
// WebhookId makes the body malformed.
func decodeCreateResponse(body []byte) (*Webhook, error) {
	// Active is taken raw: encoding/json would turn a mistyped value into a
	// pointer to false, and false is not what the upstream said.
	var wire struct {
		Webhook
		Active json.RawMessage `json:"Active"`
	}
	err := json.Unmarshal(body, &wire)
	if err != nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
			return nil, fmt.Errorf("decode create response: %w", err)
		}
	}
	w := wire.Webhook
	if strings.TrimSpace(w.WebhookId) == "" {
		if err != nil {
			return nil, fmt.Errorf("decode create response: %w", err)
		}
		return nil, errNoWebhookID
	}
	var active bool
	if json.Unmarshal(wire.Active, &active) == nil && string(wire.Active) != "null" {
		w.Active = &active
	}
	return &w, nil
}

// tokenRequest is the body of POST /v1.0/oauth2/tokens (PascalCase).
type tokenRequest struct {
	AccountKey    string `json:"AccountKey"`
	AccountSecret string `json:"AccountSecret"`
	ApiEndpoint   string `json:"ApiEndpoint"`
}

// tokenResponse is the token call's answer; unlike every other body its
// members are camelCase. Successful is a pointer so that a missing member is
// not mistaken for an explicit refusal.
type tokenResponse struct {
	Token       string `json:"token"`
	Successful  *bool  `json:"successful"`
	TokenExpiry string `json:"tokenExpiry"`
	Error       string `json:"error"`
	ApiEndpoint string `json:"apiEndpoint"`
}
