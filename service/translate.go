package service

import (
	"strings"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/telegent"
)

// Telegent's spellings of our enum values. UNSPECIFIED maps to the
// documented default, which is always sent explicitly.
var (
	methodNames = map[webhookv1.HttpMethod]string{
		webhookv1.HttpMethod_HTTP_METHOD_UNSPECIFIED: "POST",
		webhookv1.HttpMethod_HTTP_METHOD_POST:        "POST",
		webhookv1.HttpMethod_HTTP_METHOD_PUT:         "PUT",
	}
	formatNames = map[webhookv1.DataFormat]string{
		webhookv1.DataFormat_DATA_FORMAT_UNSPECIFIED: "json",
		webhookv1.DataFormat_DATA_FORMAT_JSON:        "json",
		webhookv1.DataFormat_DATA_FORMAT_XML:         "xml",
	}
	authNames = map[webhookv1.AuthenticationType]string{
		webhookv1.AuthenticationType_AUTHENTICATION_TYPE_UNSPECIFIED: "None",
		webhookv1.AuthenticationType_AUTHENTICATION_TYPE_NONE:        "None",
		webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC:       "Basic",
		webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN:       "Token",
	}
	eventNames = map[webhookv1.WebhookEvent]string{
		webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE:     "Order_Update",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_NEW_SMS:          "New_Sms",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_COMPLETED:   "Call_Completed",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_ON_HOLD:     "Call_On_Hold",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RECORDING:   "Call_Recording",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_IN_PROGRESS: "Call_In_Progress",
		webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING:     "Call_Ringing",
	}

	// The same, the other way, for Telegent's echo in the spelling we send.
	methodValues = valuesOf(methodNames)
	formatValues = valuesOf(formatNames)
	authValues   = valuesOf(authNames)
	eventValues  = valuesOf(eventNames)
)

// valuesOf inverts names, leaving out UNSPECIFIED.
func valuesOf[E ~int32](names map[E]string) map[string]E {
	values := make(map[string]E, len(names))
	for value, name := range names {
		if value != 0 {
			values[name] = value
		}
	}
	return values
}

// ToTelegent translates a validated request into Telegent's create body.
// Defaults are spelled out and events are joined in the order given.
func ToTelegent(req *webhookv1.CreateWebhookRequest) *telegent.CreateWebhookRequest {
	return &telegent.CreateWebhookRequest{
		AccountId:              req.GetAccountId(),
		WebhookUrl:             req.GetWebhookUrl(),
		Method:                 methodNames[req.GetMethod()],
		DataFormat:             formatNames[req.GetDataFormat()],
		AuthenticationType:     authNames[req.GetAuthenticationType()],
		AuthenticationUsername: req.GetAuthenticationUsername(),
		AuthenticationPassword: req.GetAuthenticationPassword(),
		AuthenticationToken:    req.GetAuthenticationToken(),
		SubscribedEvents:       joinEvents(req.GetSubscribedEvents()),
	}
}

func joinEvents(events []webhookv1.WebhookEvent) string {
	if len(events) == 1 {
		return eventNames[events[0]]
	}
	var b strings.Builder
	for i, e := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(eventNames[e])
	}
	return b.String()
}

// FromTelegent builds the response from Telegent's answer. Telegent echoes
// the request; an echoed member that is empty or spelled in a way we do not
// recognise is reported as requested, so an unexpected echo never fails a
// create that succeeded. Secrets are not part of the result.
func FromTelegent(w *telegent.Webhook, req *webhookv1.CreateWebhookRequest) *webhookv1.Webhook {
	out := &webhookv1.Webhook{
		WebhookId:              w.WebhookId,
		Active:                 w.Active,
		AccountId:              orDefault(w.AccountId, req.GetAccountId()),
		WebhookUrl:             orDefault(w.WebhookUrl, req.GetWebhookUrl()),
		Method:                 lookup(methodNames, methodValues, w.Method, req.GetMethod()),
		DataFormat:             lookup(formatNames, formatValues, w.DataFormat, req.GetDataFormat()),
		AuthenticationType:     lookup(authNames, authValues, w.AuthenticationType, req.GetAuthenticationType()),
		AuthenticationUsername: orDefault(w.AuthenticationUsername, req.GetAuthenticationUsername()),
		SubscribedEvents:       req.GetSubscribedEvents(),
		PasswordSet:            req.GetAuthenticationPassword() != "" || w.HasPassword,
		TokenSet:               req.GetAuthenticationToken() != "" || w.HasToken,
	}
	if events, ok := splitEvents(w.SubscribedEvents); ok {
		out.SubscribedEvents = events
	}
	// UNSPECIFIED in a request means the default that was sent; report the
	// value Telegent stored, never UNSPECIFIED.
	if out.Method == webhookv1.HttpMethod_HTTP_METHOD_UNSPECIFIED {
		out.Method = webhookv1.HttpMethod_HTTP_METHOD_POST
	}
	if out.DataFormat == webhookv1.DataFormat_DATA_FORMAT_UNSPECIFIED {
		out.DataFormat = webhookv1.DataFormat_DATA_FORMAT_JSON
	}
	if out.AuthenticationType == webhookv1.AuthenticationType_AUTHENTICATION_TYPE_UNSPECIFIED {
		out.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_NONE
	}
	return out
}

func orDefault(echo, requested string) string {
	if echo == "" {
		return requested
	}
	return echo
}

// lookup finds the enum value Telegent's spelling stands for, ignoring case;
// the zero value of names' keys (UNSPECIFIED) is never returned for a match
// because every spelling also belongs to a specific value. values (names
// inverted) answers the usual echo, our own spelling, without a scan.
func lookup[E ~int32](names map[E]string, values map[string]E, echo string, requested E) E {
	if echo == "" {
		return requested
	}
	if value, ok := values[echo]; ok {
		return value
	}
	var found E
	for value, name := range names {
		if value != 0 && strings.EqualFold(name, strings.TrimSpace(echo)) {
			found = value
		}
	}
	if found == 0 {
		return requested
	}
	return found
}

// splitEvents parses Telegent's comma-separated event list. It reports false
// when the list is empty or holds a name we do not know (the docs spell
// New_Sms and New_SMS both, hence the case-insensitive match).
func splitEvents(s string) ([]webhookv1.WebhookEvent, bool) {
	if strings.TrimSpace(s) == "" {
		return nil, false
	}
	var events []webhookv1.WebhookEvent
	for name := range strings.SplitSeq(s, ",") {
		e := lookup(eventNames, eventValues, name, webhookv1.WebhookEvent_WEBHOOK_EVENT_UNSPECIFIED)
		if e == webhookv1.WebhookEvent_WEBHOOK_EVENT_UNSPECIFIED {
			return nil, false
		}
		events = append(events, e)
	}
	return events, true
}

// storedSettings reads a webhook from Telegent's list as the create request
// that would make it, secrets aside. An empty member is Telegent's
// documented default; a member spelled in a way the facade does not
// recognise is left UNSPECIFIED (empty for events) and named in unknown,
// by its field name, so that nothing is ever reported or sent back as a
// value Telegent did not store.
func storedSettings(w *telegent.Webhook, accountID string) (settings *webhookv1.CreateWebhookRequest, unknown []string) {
	settings = &webhookv1.CreateWebhookRequest{
		AccountId:              accountID,
		WebhookUrl:             w.WebhookUrl,
		Method:                 webhookv1.HttpMethod_HTTP_METHOD_POST,
		DataFormat:             webhookv1.DataFormat_DATA_FORMAT_JSON,
		AuthenticationType:     webhookv1.AuthenticationType_AUTHENTICATION_TYPE_NONE,
		AuthenticationUsername: w.AuthenticationUsername,
	}
	if w.Method != "" {
		settings.Method = lookup(methodNames, methodValues, w.Method, webhookv1.HttpMethod_HTTP_METHOD_UNSPECIFIED)
	}
	if w.DataFormat != "" {
		settings.DataFormat = lookup(formatNames, formatValues, w.DataFormat, webhookv1.DataFormat_DATA_FORMAT_UNSPECIFIED)
	}
	if w.AuthenticationType != "" {
		settings.AuthenticationType = lookup(authNames, authValues, w.AuthenticationType, webhookv1.AuthenticationType_AUTHENTICATION_TYPE_UNSPECIFIED)
		if strings.EqualFold(strings.TrimSpace(w.AuthenticationType), "Bearer") {
			// Telegent's update page spells Token this way.
			settings.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN
		}
	}
	if settings.Method == 0 {
		unknown = append(unknown, pathMethod)
	}
	if settings.DataFormat == 0 {
		unknown = append(unknown, pathDataFormat)
	}
	if settings.AuthenticationType == 0 {
		unknown = append(unknown, pathAuthType)
	}
	if strings.TrimSpace(w.SubscribedEvents) != "" {
		events, ok := splitEvents(w.SubscribedEvents)
		if !ok {
			unknown = append(unknown, pathEvents)
		}
		settings.SubscribedEvents = events
	}
	return settings, unknown
}

// toWebhook is a webhook of Telegent's list as the contract shows it.
// Whether a password or token is set is all it says about them.
func toWebhook(w *telegent.Webhook, accountID string) *webhookv1.Webhook {
	s, _ := storedSettings(w, accountID)
	return &webhookv1.Webhook{
		WebhookId:              w.WebhookId,
		Active:                 w.Active,
		AccountId:              accountID,
		WebhookUrl:             s.GetWebhookUrl(),
		Method:                 s.GetMethod(),
		DataFormat:             s.GetDataFormat(),
		AuthenticationType:     s.GetAuthenticationType(),
		AuthenticationUsername: s.GetAuthenticationUsername(),
		SubscribedEvents:       s.GetSubscribedEvents(),
		PasswordSet:            w.HasPassword,
		TokenSet:               w.HasToken,
	}
}
