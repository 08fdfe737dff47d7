package telegent

import (
	"strings"
	"unicode/utf8"

	"github.com/platform/telegent-facade/internal/jsonscan"
)

// The create call's bodies are encoded and decoded by hand on every request:
// encoding/json's reflection cost several microseconds and a dozen
// allocations per call, more than the rest of the client together (see
// BENCHMARKS.md). Both stay exactly equivalent to encoding/json, which the
// fuzz tests check byte for byte and field for field.

// createRequestMembers are the members of a create body, in the order
// encoding/json writes CreateWebhookRequest's fields.
var createRequestMembers = [...]string{
	"AccountId", "WebhookUrl", "Method", "DataFormat", "AuthenticationType",
	"AuthenticationUsername", "AuthenticationPassword", "AuthenticationToken", "SubscribedEvents",
}

// MarshalJSON encodes the request as the create call's body, byte for byte
// as encoding/json encodes the struct, secrets included: this is the wire
// format, never a log format (see LogValue).
func (r CreateWebhookRequest) MarshalJSON() ([]byte, error) {
	values := [len(createRequestMembers)]string{
		r.AccountId, r.WebhookUrl, r.Method, r.DataFormat, r.AuthenticationType,
		r.AuthenticationUsername, r.AuthenticationPassword, r.AuthenticationToken, r.SubscribedEvents,
	}
	n := 2
	for i, v := range values {
		n += len(createRequestMembers[i]) + len(v) + 6
	}
	b := make([]byte, 0, n+n/8) // room for a few escapes
	b = append(b, '{')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, createRequestMembers[i]...)
		b = append(b, '"', ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json does
// by default: <, > and & escaped for HTML, control characters as \u00XX
// except \b \f \n \r \t, invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// The members of a create answer that Webhook keeps. Other members are
// skipped, the echoed secrets among them.
const (
	memberOther = iota
	memberWebhookID
	memberAccountID
	memberWebhookURL
	memberMethod
	memberDataFormat
	memberAuthenticationType
	memberAuthenticationUsername
	memberSubscribedEvents
	memberActive
)

var answerMembers = map[string]int{
	"WebhookId": memberWebhookID, "AccountId": memberAccountID, "WebhookUrl": memberWebhookURL,
	"Method": memberMethod, "DataFormat": memberDataFormat, "AuthenticationType": memberAuthenticationType,
	"AuthenticationUsername": memberAuthenticationUsername, "SubscribedEvents": memberSubscribedEvents,
	"Active": memberActive,
	// Known so that they skip the check for other spellings.
	"AuthenticationPassword": memberOther, "AuthenticationToken": memberOther,
}

// decodedWebhook holds a decoded Webhook and the value its Active points
// to, so that both take one allocation.
type decodedWebhook struct {
	w      Webhook
	active bool
}

// decodeCreateAnswerFast decodes the usual shape of a create answer: one
// JSON object whose member names are spelled exactly as documented and
// whose values are strings without escapes, true, false or null. It
// reports false for anything else (escapes, numbers, nested values, names
// in another case, invalid UTF-8, trailing data, malformed JSON), which is
// then left to encoding/json; when it reports true, the result is what
// decodeCreateResponse's encoding/json path would produce.
func decodeCreateAnswerFast(body []byte) (*Webhook, bool) {
	// One string holds every value: the fields share it.
	s := string(body)
	d := &decodedWebhook{}
	i := jsonscan.SkipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	i = jsonscan.SkipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return &d.w, jsonscan.SkipSpace(s, i+1) == len(s)
	}
	for {
		name, next, ok := jsonscan.PlainString(s, i)
		if !ok {
			return nil, false
		}
		member, known := answerMembers[name]
		if !known && foldsToMember(name) {
			return nil, false // encoding/json matches names case-insensitively
		}
		i = jsonscan.SkipSpace(s, next)
		if i >= len(s) || s[i] != ':' {
			return nil, false
		}
		i = jsonscan.SkipSpace(s, i+1)
		if i >= len(s) {
			return nil, false
		}
		switch {
		case s[i] == '"':
			value, next, ok := jsonscan.PlainString(s, i)
			if !ok || member == memberActive {
				return nil, false // a mistyped Active is left to encoding/json
			}
			if field := d.field(member); field != nil {
				*field = value
			}
			i = next
		default:
			lit, next, ok := jsonscan.Literal(s, i)
			switch {
			case !ok:
				return nil, false
			case lit == "null":
				// encoding/json leaves a string untouched for null; a
				// null Active means "not said".
				if member == memberActive {
					d.w.Active = nil
				}
			case member == memberActive:
				d.active, d.w.Active = lit == "true", &d.active
			case member != memberOther:
				return nil, false // a bool for a string member
			}
			i = next
		}
		i = jsonscan.SkipSpace(s, i)
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = jsonscan.SkipSpace(s, i+1)
		case '}':
			return &d.w, jsonscan.SkipSpace(s, i+1) == len(s)
		default:
			return nil, false
		}
	}
}

func (d *decodedWebhook) field(member int) *string {
	switch member {
	case memberWebhookID:
		return &d.w.WebhookId
	case memberAccountID:
		return &d.w.AccountId
	case memberWebhookURL:
		return &d.w.WebhookUrl
	case memberMethod:
		return &d.w.Method
	case memberDataFormat:
		return &d.w.DataFormat
	case memberAuthenticationType:
		return &d.w.AuthenticationType
	case memberAuthenticationUsername:
		return &d.w.AuthenticationUsername
	case memberSubscribedEvents:
		return &d.w.SubscribedEvents
	}
	return nil
}

// foldsToMember reports whether name could be matched to a Webhook field by
// encoding/json's case-insensitive matching without being spelled exactly.
// Non-ASCII names count as matching: Unicode folding (the Kelvin sign
// folds to k) is left to encoding/json.
func foldsToMember(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return true
		}
	}
	for member := range answerMembers {
		if strings.EqualFold(member, name) {
			return true
		}
	}
	return false
}
