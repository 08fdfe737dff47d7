package server

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/jsonscan"
)

// restJSON is the gateway's marshaler: runtime.JSONPb with newGateway's
// options, plus hand-written decoding of the REST API's one request body
// and encoding of its one response, in their usual shape. protojson
// reflects over every field of both on every call (and JSONPb parses the
// request twice), about a sixth of a REST call's CPU. Any other message,
// and any body in an unusual shape (escapes, numbers for enums, proto field
// names, duplicate or unknown members, nothing but JSON), goes to JSONPb, so
// what is accepted, refused and how is JSONPb's. Tests check that both agree.
type restJSON struct{ *runtime.JSONPb }

// Marshal encodes v as JSONPb does.
func (m restJSON) Marshal(v any) ([]byte, error) {
	if resp, ok := v.(*webhookv1.CreateWebhookResponse); ok {
		if b, ok := appendCreateWebhookResponse(nil, resp); ok {
			return b, nil
		}
	}
	return m.JSONPb.Marshal(v)
}

// NewDecoder returns a decoder that decodes from r as JSONPb's does: the
// first JSON value of r, whatever follows it.
func (m restJSON) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		req, ok := v.(*webhookv1.CreateWebhookRequest)
		if !ok {
			return m.JSONPb.NewDecoder(r).Decode(v)
		}
		body, err := io.ReadAll(r)
		if err == nil && decodeCreateWebhookRequest(body, req) {
			return nil
		}
		// JSONPb reads the stream itself: replay what was read, then the
		// error that stopped the reading (a body over the size limit, say),
		// so that it answers exactly as it would have.
		var rest io.Reader = bytes.NewReader(body)
		if err != nil {
			rest = io.MultiReader(rest, errReader{err})
		}
		return m.JSONPb.NewDecoder(rest).Decode(v)
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Members of a CreateWebhookRequest body, by their proto3 JSON names.
const (
	reqAccountID = iota
	reqWebhookURL
	reqMethod
	reqDataFormat
	reqAuthenticationType
	reqAuthenticationUsername
	reqAuthenticationPassword
	reqAuthenticationToken
	reqSubscribedEvents
)

var requestMembers = map[string]int{
	"accountId": reqAccountID, "webhookUrl": reqWebhookURL, "method": reqMethod,
	"dataFormat": reqDataFormat, "authenticationType": reqAuthenticationType,
	"authenticationUsername": reqAuthenticationUsername, "authenticationPassword": reqAuthenticationPassword,
	"authenticationToken": reqAuthenticationToken, "subscribedEvents": reqSubscribedEvents,
}

// decodeCreateWebhookRequest fills req from body, a JSON object whose
// members have their lowerCamelCase names, each at most once, with plain
// strings (no escapes), enum names, an array of enum names or null as
// values. It reports false, leaving req untouched, for anything else.
func decodeCreateWebhookRequest(body []byte, req *webhookv1.CreateWebhookRequest) bool {
	// One string holds every value: the fields share it.
	s := string(body)
	var (
		strs   [reqSubscribedEvents]string
		enums  [reqSubscribedEvents]int32
		events []webhookv1.WebhookEvent
		seen   uint16
	)
	i := jsonscan.SkipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = jsonscan.SkipSpace(s, i+1)
	for i < len(s) && s[i] != '}' {
		name, next, ok := jsonscan.PlainString(s, i)
		member, known := requestMembers[name]
		if !ok || !known || seen&(1<<member) != 0 {
			return false
		}
		seen |= 1 << member
		if i = jsonscan.SkipSpace(s, next); i >= len(s) || s[i] != ':' {
			return false
		}
		i = jsonscan.SkipSpace(s, i+1)
		if lit, next, ok := jsonscan.Literal(s, i); ok {
			if lit != "null" { // null is the default value
				return false
			}
			i = next
		} else {
			switch member {
			case reqMethod, reqDataFormat, reqAuthenticationType:
				i, ok = enumValue(s, i, enumValues[member], &enums[member])
			case reqSubscribedEvents:
				i, ok = eventList(s, i, &events)
			default:
				strs[member], i, ok = jsonscan.PlainString(s, i)
			}
			if !ok {
				return false
			}
		}
		i = jsonscan.SkipSpace(s, i)
		if i < len(s) && s[i] == ',' {
			if i = jsonscan.SkipSpace(s, i+1); i < len(s) && s[i] == '}' {
				return false // a trailing comma
			}
		} else if i >= len(s) || s[i] != '}' {
			return false
		}
	}
	if i >= len(s) {
		return false
	}
	req.AccountId = strs[reqAccountID]
	req.WebhookUrl = strs[reqWebhookURL]
	req.Method = webhookv1.HttpMethod(enums[reqMethod])
	req.DataFormat = webhookv1.DataFormat(enums[reqDataFormat])
	req.AuthenticationType = webhookv1.AuthenticationType(enums[reqAuthenticationType])
	req.AuthenticationUsername = strs[reqAuthenticationUsername]
	req.AuthenticationPassword = strs[reqAuthenticationPassword]
	req.AuthenticationToken = strs[reqAuthenticationToken]
	req.SubscribedEvents = events
	return true
}

// enumValues are the enums' values by name, per member.
var enumValues = [reqSubscribedEvents]map[string]int32{
	reqMethod:             webhookv1.HttpMethod_value,
	reqDataFormat:         webhookv1.DataFormat_value,
	reqAuthenticationType: webhookv1.AuthenticationType_value,
}

// enumValue reads an enum value given by its name.
func enumValue(s string, i int, values map[string]int32, into *int32) (int, bool) {
	name, next, ok := jsonscan.PlainString(s, i)
	if !ok {
		return 0, false
	}
	v, ok := values[name]
	*into = v
	return next, ok
}

// eventList reads an array of WebhookEvent names.
func eventList(s string, i int, into *[]webhookv1.WebhookEvent) (int, bool) {
	if i >= len(s) || s[i] != '[' {
		return 0, false
	}
	events := make([]webhookv1.WebhookEvent, 0, 4)
	i = jsonscan.SkipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		*into = events
		return i + 1, true
	}
	for {
		var v int32
		var ok bool
		if i, ok = enumValue(s, i, webhookv1.WebhookEvent_value, &v); !ok {
			return 0, false
		}
		events = append(events, webhookv1.WebhookEvent(v))
		if i = jsonscan.SkipSpace(s, i); i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case ',':
			i = jsonscan.SkipSpace(s, i+1)
		case ']':
			*into = events
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// appendCreateWebhookResponse appends resp as JSONPb encodes it (proto3
// JSON, every field emitted, optional fields only when set, enums by name),
// without the optional spaces protojson adds at random. It reports false
// for what it leaves to JSONPb: strings that need escapes and enum values
// without a name.
func appendCreateWebhookResponse(b []byte, resp *webhookv1.CreateWebhookResponse) ([]byte, bool) {
	w := resp.GetWebhook()
	if w == nil {
		return append(b, `{"webhook":null}`...), true
	}
	method, ok1 := webhookv1.HttpMethod_name[int32(w.GetMethod())]
	format, ok2 := webhookv1.DataFormat_name[int32(w.GetDataFormat())]
	auth, ok3 := webhookv1.AuthenticationType_name[int32(w.GetAuthenticationType())]
	if !ok1 || !ok2 || !ok3 {
		return nil, false
	}
	for _, s := range []string{w.GetWebhookId(), w.GetAccountId(), w.GetWebhookUrl(), w.GetAuthenticationUsername()} {
		if !plainProtoJSON(s) {
			return nil, false
		}
	}
	b = append(b, `{"webhook":{"webhookId":"`...)
	b = append(b, w.GetWebhookId()...)
	b = append(b, '"')
	if w.Active != nil {
		if w.GetActive() {
			b = append(b, `,"active":true`...)
		} else {
			b = append(b, `,"active":false`...)
		}
	}
	b = append(b, `,"accountId":"`...)
	b = append(b, w.GetAccountId()...)
	b = append(b, `","webhookUrl":"`...)
	b = append(b, w.GetWebhookUrl()...)
	b = append(b, `","method":"`...)
	b = append(b, method...)
	b = append(b, `","dataFormat":"`...)
	b = append(b, format...)
	b = append(b, `","authenticationType":"`...)
	b = append(b, auth...)
	b = append(b, `","authenticationUsername":"`...)
	b = append(b, w.GetAuthenticationUsername()...)
	b = append(b, `","subscribedEvents":[`...)
	for i, e := range w.GetSubscribedEvents() {
		name, ok := webhookv1.WebhookEvent_name[int32(e)]
		if !ok {
			return nil, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"')
	}
	return append(b, "]}}"...), true
}

// plainProtoJSON reports whether protojson writes s between quotes as it
// is: valid UTF-8 without control characters, DEL, quotes or backslashes.
func plainProtoJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == '"' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}
