package telegent

import (
	"bytes"
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
func (r CreateWebhookRequest) Format(f fmt.State, verb rune) { formatRedacted(f, verb, r) }

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

// secrets lists the request's secrets, for scrubbing from error reasons.
func (r *CreateWebhookRequest) secrets() []string {
	return []string{r.AuthenticationPassword, r.AuthenticationToken}
}

// UpdateWebhookRequest is the body of POST /v1.0/webhook/update: the create
// body plus the webhook to update. JSON flattens the embedded request, so
// the members sit side by side as Telegent documents them. Telegent's update
// takes the whole body: a member sent empty is set empty.
//
// Telegent's update page words the authentication types Basic, Bearer and
// None where the create page says Basic, Token and None; this type sends
// whatever AuthenticationType holds.
//
// String, GoString, Format and LogValue redact the secrets as
// CreateWebhookRequest's do (they are defined again here, as the embedded
// ones would print without WebhookId).
type UpdateWebhookRequest struct {
	// WebhookId is the webhook to update, "WID-..." (required).
	WebhookId string `json:"WebhookId"`
	CreateWebhookRequest
}

// String renders the request like %+v would, with the secrets redacted.
func (r UpdateWebhookRequest) String() string {
	return "{WebhookId:" + r.WebhookId + " " + strings.TrimPrefix(r.CreateWebhookRequest.String(), "{")
}

// GoString renders the request like %#v would, with the secrets redacted.
func (r UpdateWebhookRequest) GoString() string {
	return "telegent.UpdateWebhookRequest{WebhookId:" + strconv.Quote(r.WebhookId) +
		", CreateWebhookRequest:" + r.CreateWebhookRequest.GoString() + "}"
}

// Format implements fmt.Formatter so that no verb can reveal the secrets.
func (r UpdateWebhookRequest) Format(f fmt.State, verb rune) { formatRedacted(f, verb, r) }

// formatRedacted writes a request whose String and GoString redact its
// secrets, for every verb: %#v as GoString, %q quoted, anything else
// (%d and %x included, which would print the fields raw) as String.
func formatRedacted(f fmt.State, verb rune, r interface {
	fmt.Stringer
	fmt.GoStringer
}) {
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
func (r UpdateWebhookRequest) LogValue() slog.Value {
	attrs := append([]slog.Attr{slog.String("WebhookId", r.WebhookId)}, r.CreateWebhookRequest.LogValue().Group()...)
	return slog.GroupValue(attrs...)
}

// deleteWebhookRequest is the body of POST /v1.0/webhook/delete. Our notes
// do not hold the documented body; WebhookId names the webhook and
// AccountId its account, as in every other webhook body.
type deleteWebhookRequest struct {
	AccountId string `json:"AccountId"`
	WebhookId string `json:"WebhookId"`
}

// Webhook is a webhook as Telegent returns it: the answer to a create or an
// update (the request echoed back plus WebhookId and Active), or one entry
// of an account's list. The AuthenticationPassword and AuthenticationToken
// Telegent returns are deliberately not decoded, so they can never be
// logged or returned from here: HasPassword and HasToken only say whether
// they were set.
type Webhook struct {
	// WebhookId identifies the webhook, e.g. "WID-1234567"; never empty.
	WebhookId string `json:"WebhookId"`
	// AccountId is the webhook's account.
	AccountId string `json:"AccountId"`
	// WebhookUrl is the URL Telegent calls.
	WebhookUrl string `json:"WebhookUrl"`
	// Method is the HTTP method Telegent calls it with.
	Method string `json:"Method"`
	// DataFormat is the payload format.
	DataFormat string `json:"DataFormat"`
	// AuthenticationType is None, Basic, Token (or Bearer).
	AuthenticationType string `json:"AuthenticationType"`
	// AuthenticationUsername is the Basic user name.
	AuthenticationUsername string `json:"AuthenticationUsername"`
	// SubscribedEvents is the comma-separated list of events.
	SubscribedEvents string `json:"SubscribedEvents"`
	// Active is nil when the upstream sent null or nothing: unknown, which is
	// not the same as false.
	Active *bool `json:"Active"`
	// HasPassword is true when Telegent returned a non-empty
	// AuthenticationPassword (which is not kept).
	HasPassword bool `json:"-"`
	// HasToken is true when Telegent returned a non-empty
	// AuthenticationToken (which is not kept).
	HasToken bool `json:"-"`
}

// presence decodes a JSON member to whether it holds something other than
// null or "", and keeps nothing else of it: the secrets Telegent echoes
// pass through it without being copied anywhere. It never fails, so a
// mistyped secret cannot fail (or be quoted by) the decoding.
type presence bool

// UnmarshalJSON implements json.Unmarshaler.
func (p *presence) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*p = presence(len(b) > 0 && string(b) != "null" && string(b) != `""`)
	return nil
}

// errNoWebhookID reports a success body without the one member we need.
var errNoWebhookID = errors.New("response has no WebhookId")

// decodeWebhook decodes a 2xx create or update body, or one list entry.
// Unknown members are ignored, as the upstream may add some; member names
// match in any letter case (encoding/json's rule), so camelCase members are
// taken too. A mistyped member (say "Active": "yes") leaves that field zero
// rather than failing the call: the webhook exists, and failing would hide
// its id. Only a missing or empty WebhookId makes the body malformed.
func decodeWebhook(body []byte) (*Webhook, error) {
	// Active is taken raw: encoding/json would turn a mistyped value into a
	// pointer to false, and false is not what the upstream said.
	var wire struct {
		Webhook
		Active                 json.RawMessage `json:"Active"`
		AuthenticationPassword presence        `json:"AuthenticationPassword"`
		AuthenticationToken    presence        `json:"AuthenticationToken"`
	}
	err := json.Unmarshal(body, &wire)
	if err != nil {
		if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
			return nil, fmt.Errorf("decode webhook: %w", err)
		}
	}
	w := wire.Webhook
	if strings.TrimSpace(w.WebhookId) == "" {
		if err != nil {
			return nil, fmt.Errorf("decode webhook: %w", err)
		}
		return nil, errNoWebhookID
	}
	var active bool
	if json.Unmarshal(wire.Active, &active) == nil && string(wire.Active) != "null" {
		w.Active = &active
	}
	w.HasPassword, w.HasToken = bool(wire.AuthenticationPassword), bool(wire.AuthenticationToken)
	return &w, nil
}

// listMembers are the names (any letter case) of the member that may hold
// the list when Telegent wraps it in an object, in order of preference.
var listMembers = []string{"Webhooks", "Data", "Items", "Results", "Result", "Value"}

// decodeWebhookList decodes a 2xx list body. The documented shape is not in
// our notes, so both plausible ones are taken: a JSON array of webhooks, or
// an object holding one, under a member named as in listMembers (in any
// letter case) or as its only array member. null is an empty list. Every
// entry must have a WebhookId: a list with an entry that cannot be
// identified is malformed rather than silently shortened, since callers use
// the list to decide whether a webhook exists.
func decodeWebhookList(body []byte) ([]*Webhook, error) {
	body = bytes.TrimSpace(body)
	var raw []json.RawMessage
	switch {
	case len(body) == 0:
		return nil, errors.New("decode webhook list: empty body")
	case body[0] == '[' || string(body) == "null":
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, fmt.Errorf("decode webhook list: %w", err)
		}
	case body[0] == '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, fmt.Errorf("decode webhook list: %w", err)
		}
		inner, ok := listIn(obj)
		if !ok {
			return nil, errors.New("decode webhook list: object holds no list")
		}
		if err := json.Unmarshal(inner, &raw); err != nil {
			return nil, fmt.Errorf("decode webhook list: %w", err)
		}
	default:
		return nil, errors.New("decode webhook list: not a JSON array or object")
	}
	hooks := make([]*Webhook, 0, len(raw))
	for i, r := range raw {
		w, err := decodeWebhook(r)
		if err != nil {
			return nil, fmt.Errorf("decode webhook list entry %d: %w", i, err)
		}
		hooks = append(hooks, w)
	}
	return hooks, nil
}

// listIn finds the list inside a wrapping object.
func listIn(obj map[string]json.RawMessage) (json.RawMessage, bool) {
	for _, name := range listMembers {
		for k, v := range obj {
			if strings.EqualFold(k, name) && isArrayOrNull(v) {
				return v, true
			}
		}
	}
	var found json.RawMessage
	n := 0
	for _, v := range obj {
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			found, n = v, n+1
		}
	}
	return found, n == 1
}

func isArrayOrNull(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) > 0 && (t[0] == '[' || string(t) == "null")
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
