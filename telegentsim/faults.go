package telegentsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultHeader is the request header that carries a per-request fault spec.
const FaultHeader = "X-Telegent-Sim-Fault"

// FaultQueryParam is the query parameter inside a body's WebhookUrl that carries a
// per-request fault spec.
const FaultQueryParam = "sim-fault"

// BodyKind is the shape of a response body chosen by a fault.
type BodyKind string

// Body kinds. BodyJSON is the normal shape. BodyNoWebhookID and BodyActiveNull only
// make sense for a success (a fault without a status).
const (
	BodyJSON        BodyKind = ""
	BodyHTML        BodyKind = "html"
	BodyText        BodyKind = "text"
	BodyEmpty       BodyKind = "empty"
	BodyMalformed   BodyKind = "malformed"
	BodyNoWebhookID BodyKind = "nowebhookid"
	BodyActiveNull  BodyKind = "activenull"
	// BodyWrapped (list only, without a status) wraps the list in an object,
	// {"Webhooks": [...]}, the other shape a list may plausibly take.
	BodyWrapped BodyKind = "wrapped"
)

// Endpoints is a set of webhook endpoints a fault applies to (the on: item).
type Endpoints uint8

// The endpoints. The zero set means EndpointsDefault.
const (
	EndpointCreate Endpoints = 1 << iota
	EndpointUpdate
	EndpointDelete
	EndpointList
	// EndpointsAll is every webhook endpoint (on:all).
	EndpointsAll = EndpointCreate | EndpointUpdate | EndpointDelete | EndpointList
	// EndpointsDefault is where webhook faults without on: apply: create and
	// update, as before delete and list existed, so that a spec such as
	// drop:after-body never breaks the list a client uses to recover.
	EndpointsDefault = EndpointCreate | EndpointUpdate
)

var endpointNames = []struct {
	name string
	e    Endpoints
}{{"create", EndpointCreate}, {"update", EndpointUpdate}, {"delete", EndpointDelete}, {"list", EndpointList}}

// String lists the set as on: takes it, e.g. "create,delete"; "" for the zero set.
func (e Endpoints) String() string {
	if e == EndpointsAll {
		return "all"
	}
	var names []string
	for _, n := range endpointNames {
		if e&n.e != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ",")
}

// parseEndpoints reads a comma-separated list of create, update, delete, list or all.
func parseEndpoints(s string) (Endpoints, error) {
	var e Endpoints
	for item := range strings.SplitSeq(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "all" {
			e |= EndpointsAll
			continue
		}
		i := slices.IndexFunc(endpointNames, func(n struct {
			name string
			e    Endpoints
		}) bool {
			return n.name == item
		})
		if i < 0 {
			return 0, fmt.Errorf("on: %q: want create, update, delete, list or all", item)
		}
		e |= endpointNames[i].e
	}
	return e, nil
}

// DropPoint is where a fault closes the connection without answering.
type DropPoint string

// Drop points.
const (
	DropNone       DropPoint = ""
	DropBeforeBody DropPoint = "before-body"
	DropAfterBody  DropPoint = "after-body"
)

// Token expiry formats for [Faults.TokenExpiryFormat]. Any of them changes only the
// text sent as tokenExpiry; the token stays valid for the configured lifetime.
const (
	ExpiryNormal       = ""           // 01/02/2006 03:04:05 PM in Config.ExpiryLocation
	ExpiryPast         = "past"       // one hour before the token was issued
	ExpiryFarFuture    = "far-future" // ten years after the real expiry
	ExpiryGarbled      = "garbled"    // text that is no time at all
	ExpiryEmpty        = "empty"      // ""
	ExpiryMissing      = "missing"    // member left out
	ExpiryRFC3339      = "rfc3339"    // RFC 3339 in Config.ExpiryLocation
	ExpiryLayoutPrefix = "layout:"    // followed by a Go time layout
)

// Faults describes misbehaviour to inject. The zero value injects nothing. Webhook
// faults (Latency, Status, Body, Drop) apply to the endpoints in On (create and
// update when On is zero); token faults (Token*) apply to the token call. See the package documentation for the spec
// grammar that [ParseFaultSpec] reads and [Faults.String] writes.
type Faults struct {
	// Latency delays the answer; the wait ends early when the client goes away.
	Latency time.Duration
	// Status, when non-zero (400-599), is answered instead of processing the
	// request: nothing is created.
	Status int
	// Body shapes the error body (with Status) or the success body (without).
	Body BodyKind
	// Drop closes the connection without an answer, before or after the body.
	Drop DropPoint
	// Once limits the faults to the first matching request.
	Once bool
	// On selects the webhook endpoints the webhook faults apply to; zero means
	// EndpointsDefault.
	On Endpoints

	// TokenStatus, when non-zero (400-599), is answered by the token call.
	TokenStatus int
	// TokenLatency delays the token call's answer.
	TokenLatency time.Duration
	// TokenDrop closes the token call's connection without an answer.
	TokenDrop bool
	// TokenExpiryFormat changes the tokenExpiry text (Expiry* constants).
	TokenExpiryFormat string
}

// IsZero reports whether f injects nothing.
func (f Faults) IsZero() bool { return f == Faults{} }

func (f Faults) hasWebhookFaults() bool {
	return f.Latency != 0 || f.Status != 0 || f.Body != BodyJSON || f.Drop != DropNone
}

func (f Faults) hasTokenFaults() bool {
	return f.TokenLatency != 0 || f.TokenStatus != 0 || f.TokenDrop || f.TokenExpiryFormat != ExpiryNormal
}

// webhookPart returns only the webhook faults of f (and Once and On).
func (f Faults) webhookPart() Faults {
	return Faults{Latency: f.Latency, Status: f.Status, Body: f.Body, Drop: f.Drop, Once: f.Once, On: f.On}
}

// appliesTo reports whether f's webhook faults apply to endpoint e.
func (f Faults) appliesTo(e Endpoints) bool {
	on := f.On
	if on == 0 {
		on = EndpointsDefault
	}
	return on&e != 0
}

// tokenPart returns only the token faults of f (and Once).
func (f Faults) tokenPart() Faults {
	return Faults{
		TokenStatus: f.TokenStatus, TokenLatency: f.TokenLatency, TokenDrop: f.TokenDrop,
		TokenExpiryFormat: f.TokenExpiryFormat, Once: f.Once,
	}
}

// Validate reports every problem with f at once.
func (f Faults) Validate() error {
	var errs []error
	if f.Latency < 0 {
		errs = append(errs, errors.New("latency must not be negative"))
	}
	if f.TokenLatency < 0 {
		errs = append(errs, errors.New("token-latency must not be negative"))
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d: must be 400-599", f.Status))
	}
	if f.TokenStatus != 0 && (f.TokenStatus < 400 || f.TokenStatus > 599) {
		errs = append(errs, fmt.Errorf("token-status %d: must be 400-599", f.TokenStatus))
	}
	switch f.Body {
	case BodyJSON, BodyHTML, BodyText, BodyEmpty, BodyMalformed:
	case BodyNoWebhookID, BodyActiveNull, BodyWrapped:
		if f.Status != 0 {
			errs = append(errs, fmt.Errorf("body %s describes a success and cannot be combined with status", f.Body))
		}
		if f.Body == BodyWrapped && f.On != EndpointList {
			errs = append(errs, errors.New("body wrapped describes a list and needs on:list"))
		}
	default:
		errs = append(errs, fmt.Errorf("body %q: want html, text, empty, malformed, nowebhookid, activenull or wrapped", string(f.Body)))
	}
	if f.On&^EndpointsAll != 0 {
		errs = append(errs, fmt.Errorf("on: unknown endpoints %#x", uint8(f.On&^EndpointsAll)))
	}
	switch f.Drop {
	case DropNone:
	case DropBeforeBody, DropAfterBody:
		if f.Status != 0 || f.Body != BodyJSON {
			errs = append(errs, errors.New("drop cannot be combined with status or body: a dropped connection has no answer"))
		}
		if f.Drop == DropBeforeBody && f.Latency != 0 {
			errs = append(errs, errors.New("latency cannot be combined with drop:before-body: the wait could not notice the client leaving"))
		}
	default:
		errs = append(errs, fmt.Errorf("drop %q: want before-body or after-body", string(f.Drop)))
	}
	if f.TokenDrop && f.TokenStatus != 0 {
		errs = append(errs, errors.New("token-drop cannot be combined with token-status"))
	}
	if err := validateExpiryFormat(f.TokenExpiryFormat); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func validateExpiryFormat(s string) error {
	switch s {
	case ExpiryNormal, ExpiryPast, ExpiryFarFuture, ExpiryGarbled, ExpiryEmpty, ExpiryMissing, ExpiryRFC3339:
		return nil
	}
	if layout, ok := strings.CutPrefix(s, ExpiryLayoutPrefix); ok && layout != "" {
		return nil
	}
	return fmt.Errorf("token-expiry %q: want past, far-future, garbled, empty, missing, rfc3339 or layout:<layout>", s)
}

// ParseFaultSpec parses a fault spec such as "status:503;body:html;once" (grammar in
// the package documentation). The empty spec yields the zero Faults. Every problem
// is reported at once.
func ParseFaultSpec(spec string) (Faults, error) {
	var (
		f    Faults
		errs []error
		seen = map[string]bool{}
	)
	for raw := range strings.SplitSeq(spec, ";") {
		item := strings.TrimSpace(raw)
		if item == "" {
			continue
		}
		key, val, hasVal := strings.Cut(item, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		if seen[key] {
			errs = append(errs, fmt.Errorf("%s: given more than once", key))
			continue
		}
		seen[key] = true
		needValue := func() bool {
			if !hasVal || val == "" {
				errs = append(errs, fmt.Errorf("%s: needs a value (%s:<value>)", key, key))
				return false
			}
			return true
		}
		noValue := func() bool {
			if hasVal {
				errs = append(errs, fmt.Errorf("%s: takes no value", key))
				return false
			}
			return true
		}
		switch key {
		case "latency", "token-latency":
			if !needValue() {
				continue
			}
			d, err := time.ParseDuration(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", key, err))
				continue
			}
			if key == "latency" {
				f.Latency = d
			} else {
				f.TokenLatency = d
			}
		case "status", "token-status":
			if !needValue() {
				continue
			}
			code, err := strconv.Atoi(val)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a number", key, val))
				continue
			}
			if key == "status" {
				f.Status = code
			} else {
				f.TokenStatus = code
			}
		case "body":
			if needValue() {
				f.Body = BodyKind(strings.ToLower(val))
				if f.Body == "json" { // the normal shape, spelled out
					f.Body = BodyJSON
				}
			}
		case "drop":
			if needValue() {
				f.Drop = DropPoint(strings.ToLower(val))
			}
		case "once":
			if noValue() {
				f.Once = true
			}
		case "on":
			if needValue() {
				on, err := parseEndpoints(val)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				f.On = on
			}
		case "token-drop":
			if noValue() {
				f.TokenDrop = true
			}
		case "token-expiry":
			if needValue() {
				f.TokenExpiryFormat = val
			}
		default:
			errs = append(errs, fmt.Errorf("%q: unknown fault item", item))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Faults{}, fmt.Errorf("parse fault spec %q: %w", spec, err)
	}
	if err := f.Validate(); err != nil {
		return Faults{}, fmt.Errorf("parse fault spec %q: %w", spec, err)
	}
	return f, nil
}

// String returns f in the spec grammar; ParseFaultSpec(f.String()) yields f.
func (f Faults) String() string {
	var items []string
	if f.Latency != 0 {
		items = append(items, "latency:"+f.Latency.String())
	}
	if f.Status != 0 {
		items = append(items, "status:"+strconv.Itoa(f.Status))
	}
	if f.Body != BodyJSON {
		items = append(items, "body:"+string(f.Body))
	}
	if f.Drop != DropNone {
		items = append(items, "drop:"+string(f.Drop))
	}
	if f.TokenLatency != 0 {
		items = append(items, "token-latency:"+f.TokenLatency.String())
	}
	if f.TokenStatus != 0 {
		items = append(items, "token-status:"+strconv.Itoa(f.TokenStatus))
	}
	if f.TokenDrop {
		items = append(items, "token-drop")
	}
	if f.TokenExpiryFormat != ExpiryNormal {
		items = append(items, "token-expiry:"+f.TokenExpiryFormat)
	}
	if f.Once {
		items = append(items, "once")
	}
	if f.On != 0 {
		items = append(items, "on:"+f.On.String())
	}
	return strings.Join(items, ";")
}

// faultsJSON is the JSON form of Faults: durations as Go duration strings.
type faultsJSON struct {
	Latency           string    `json:"latency,omitempty"`
	Status            int       `json:"status,omitempty"`
	Body              BodyKind  `json:"body,omitempty"`
	Drop              DropPoint `json:"drop,omitempty"`
	Once              bool      `json:"once,omitempty"`
	On                string    `json:"on,omitempty"`
	TokenStatus       int       `json:"tokenStatus,omitempty"`
	TokenLatency      string    `json:"tokenLatency,omitempty"`
	TokenDrop         bool      `json:"tokenDrop,omitempty"`
	TokenExpiryFormat string    `json:"tokenExpiryFormat,omitempty"`
}

// MarshalJSON encodes f with camelCase members and durations as strings ("250ms").
func (f Faults) MarshalJSON() ([]byte, error) {
	j := faultsJSON{
		Status: f.Status, Body: f.Body, Drop: f.Drop, Once: f.Once,
		TokenStatus: f.TokenStatus, TokenDrop: f.TokenDrop, TokenExpiryFormat: f.TokenExpiryFormat,
		On: f.On.String(),
	}
	if f.Latency != 0 {
		j.Latency = f.Latency.String()
	}
	if f.TokenLatency != 0 {
		j.TokenLatency = f.TokenLatency.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the form MarshalJSON writes; unknown members are refused.
// It does not validate: call Validate.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var j faultsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("decode faults: %w", err)
	}
	out := Faults{
		Status: j.Status, Body: j.Body, Drop: j.Drop, Once: j.Once,
		TokenStatus: j.TokenStatus, TokenDrop: j.TokenDrop, TokenExpiryFormat: j.TokenExpiryFormat,
	}
	var err error
	if j.On != "" {
		if out.On, err = parseEndpoints(j.On); err != nil {
			return fmt.Errorf("decode faults: %w", err)
		}
	}
	if j.Latency != "" {
		if out.Latency, err = time.ParseDuration(j.Latency); err != nil {
			return fmt.Errorf("decode faults: latency: %w", err)
		}
	}
	if j.TokenLatency != "" {
		if out.TokenLatency, err = time.ParseDuration(j.TokenLatency); err != nil {
			return fmt.Errorf("decode faults: tokenLatency: %w", err)
		}
	}
	*f = out
	return nil
}

// FaultURL returns webhookURL with f attached as the sim-fault query parameter, for
// steering faults through a client that forwards only the request body.
func FaultURL(webhookURL string, f Faults) string {
	sep := "?"
	if strings.Contains(webhookURL, "?") {
		sep = "&"
	}
	return webhookURL + sep + FaultQueryParam + "=" + url.QueryEscape(f.String())
}

// faultSpecFromURL extracts the sim-fault parameter from a WebhookUrl. It parses the
// query by hand because url.ParseQuery refuses the raw semicolons a spec contains.
func faultSpecFromURL(webhookURL string) (spec string, found bool, err error) {
	_, query, ok := strings.Cut(webhookURL, "?")
	if !ok {
		return "", false, nil
	}
	query, _, _ = strings.Cut(query, "#")
	for pair := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || key != FaultQueryParam {
			continue
		}
		if found {
			return "", true, fmt.Errorf("%s given more than once", FaultQueryParam)
		}
		if spec, err = url.QueryUnescape(v); err != nil {
			return "", true, fmt.Errorf("unescape %s: %w", FaultQueryParam, err)
		}
		found = true
	}
	return spec, found, nil
}
