package telegentsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
)

type operation int

const (
	opCreate operation = iota
	opUpdate
	opDelete
	opList
)

// endpoint is op's member of Endpoints.
func (op operation) endpoint() Endpoints { return 1 << op }

// method is the HTTP method op is served on.
func (op operation) method() string {
	if op == opList {
		return http.MethodGet
	}
	return http.MethodPost
}

// countAttempt counts a call to op that got past routing.
func (s *Simulator) countAttempt(op operation) {
	s.count(func(c *Counters) *int64 {
		return [...]*int64{&c.CreatesAttempted, &c.UpdatesAttempted, &c.DeletesAttempted, &c.ListsAttempted}[op]
	})
}

// webhookMembers lists the body members in the order of WebhookFields.members, with
// the maximum lengths Telegent documents.
var webhookMembers = [9]struct {
	name string
	max  int
}{
	{"AccountId", 100},
	{"WebhookUrl", 255},
	{"Method", 10},
	{"DataFormat", 50},
	{"AuthenticationType", 10},
	{"AuthenticationUsername", 255},
	{"AuthenticationPassword", 255},
	{"AuthenticationToken", 255},
	{"SubscribedEvents", 255},
}

// events lists the event names SubscribedEvents accepts: the documented list plus the
// other spellings the documentation uses (New_SMS, Message_Status).
var events = []string{
	"Order_Update", "New_Sms", "New_SMS", "Call_Completed", "Call_On_Hold",
	"Call_Recording", "Call_In_Progress", "Call_Ringing", "Message_Status",
}

// webhookResponse is the success body: every request member echoed back (secrets
// included, as Telegent does) plus WebhookId and Active.
type webhookResponse struct {
	WebhookFields
	WebhookID *string `json:"WebhookId,omitempty"`
	Active    *bool   `json:"Active"`
}

type violation struct{ member, msg string }

func writeViolations(w http.ResponseWriter, vs []violation) {
	body := apiError{Error: "validation_failed", Errors: map[string][]string{}}
	msgs := make([]string, 0, len(vs))
	for _, v := range vs {
		msgs = append(msgs, v.member+" "+v.msg)
		body.Errors[v.member] = append(body.Errors[v.member], v.msg)
	}
	body.Message = strings.Join(msgs, "; ")
	writeJSON(w, http.StatusBadRequest, body)
}

// serveWebhook handles the webhook endpoints: POST /v1.0/webhook/create, update
// and delete, and GET /v1.0/account/webhooks.
func (s *Simulator) serveWebhook(w http.ResponseWriter, r *http.Request, op operation) {
	if r.Method != op.method() {
		methodNotAllowed(w, op.method())
		return
	}
	s.countAttempt(op)

	// Faults: the header wins; without it, the WebhookUrl's spec; without that, the
	// defaults. Only the header and the defaults are known before the body is read.
	var f Faults
	header := r.Header.Get(FaultHeader)
	if header != "" {
		parsed, err := ParseFaultSpec(header)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_fault_spec", FaultHeader+": "+err.Error())
			return
		}
		f = parsed.webhookPart()
		if !f.appliesTo(op.endpoint()) || (f.Once && f.hasWebhookFaults() && !s.claimOnce("header:"+header)) {
			f = Faults{}
		}
	} else {
		f = s.defaultWebhookFaults(op, true)
	}
	if f.Drop == DropBeforeBody {
		s.noteFault(w, f)
		s.drop(w)
		return
	}

	if reason := s.authorize(r); reason != "" {
		s.count(func(c *Counters) *int64 { return &c.Unauthorized })
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", reason)
		return
	}
	var (
		fields    WebhookFields
		webhookID string
		vs        []violation
	)
	if op == opList {
		// The account is a query parameter (matched case-insensitively, like
		// body members); a list has no body to read.
		for k, v := range r.URL.Query() {
			if strings.EqualFold(k, "AccountId") && len(v) > 0 {
				fields.AccountID = &v[0]
			}
		}
	} else {
		if !isJSON(r.Header.Get("Content-Type")) {
			writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
			return
		}
		body, err := readBody(w, r)
		if errors.Is(err, errTooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("request body exceeds %d bytes", MaxBodyBytes))
			return
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request", "could not read request body")
			return
		}
		obj, err := decodeObject(body)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid_json", err.Error())
			return
		}
		fields, webhookID, vs = parseWebhookBody(obj, op)
		if len(vs) > 0 {
			writeViolations(w, vs)
			return
		}
	}

	if header == "" {
		f, vs = s.bodyFaults(op, fields)
		if len(vs) > 0 {
			writeViolations(w, vs)
			return
		}
	}
	if f.hasWebhookFaults() {
		s.noteFault(w, f)
	}
	if f.Latency > 0 && !s.wait(r.Context(), f.Latency) {
		return // the client left
	}
	if f.Drop == DropBeforeBody { // from WebhookUrl: the body is read, nothing is created
		s.drop(w)
		return
	}
	if f.Status != 0 {
		writeShaped(w, f.Status, f.Body, apiError{
			Error:   "simulated_fault",
			Message: fmt.Sprintf("simulated fault: %d %s", f.Status, http.StatusText(f.Status)),
		})
		return
	}

	if vs := validateWebhook(fields, webhookID, op); len(vs) > 0 {
		writeViolations(w, vs)
		return
	}
	var resp any
	switch op {
	case opCreate, opUpdate:
		stored, ok := s.store(op, fields, webhookID)
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "WebhookId "+webhookID+" not found")
			return
		}
		wr := webhookResponse{WebhookFields: fields, WebhookID: &stored.WebhookID, Active: &stored.Active}
		switch f.Body {
		case BodyNoWebhookID:
			wr.WebhookID = nil
		case BodyActiveNull:
			wr.Active = nil
		}
		resp = wr
	case opDelete:
		if !s.delete(*fields.AccountID, webhookID) {
			writeError(w, http.StatusNotFound, "not_found", "WebhookId "+webhookID+" not found")
			return
		}
		// Telegent's success body for a delete is not in our notes.
		resp = deleteResponse{WebhookID: webhookID, AccountID: *fields.AccountID, Deleted: true}
	case opList:
		list := s.list(*fields.AccountID)
		entries := make([]webhookResponse, len(list))
		for i, wh := range list {
			entries[i] = webhookResponse{WebhookFields: wh.WebhookFields, WebhookID: &wh.WebhookID, Active: &wh.Active}
			switch f.Body {
			case BodyNoWebhookID:
				entries[i].WebhookID = nil
			case BodyActiveNull:
				entries[i].Active = nil
			}
		}
		resp = entries
		if f.Body == BodyWrapped {
			resp = wrappedList{Webhooks: entries}
		}
	}
	if f.Drop == DropAfterBody {
		s.drop(w)
		return
	}
	writeShaped(w, http.StatusOK, f.Body, resp)
}

// deleteResponse is the simulator's success body for a delete.
type deleteResponse struct {
	WebhookID string `json:"WebhookId"`
	AccountID string `json:"AccountId"`
	Deleted   bool   `json:"Deleted"`
}

// wrappedList is the list in an object (fault body:wrapped).
type wrappedList struct {
	Webhooks []webhookResponse `json:"Webhooks"`
}

// bodyFaults returns the faults for a request without the fault header: the spec in
// its WebhookUrl if there is one, else the defaults.
func (s *Simulator) bodyFaults(op operation, fields WebhookFields) (Faults, []violation) {
	if fields.WebhookURL == nil || op == opDelete || op == opList {
		return s.defaultWebhookFaults(op, false), nil
	}
	spec, found, err := faultSpecFromURL(*fields.WebhookURL)
	if err != nil {
		return Faults{}, []violation{{"WebhookUrl", err.Error()}}
	}
	if !found {
		return s.defaultWebhookFaults(op, false), nil
	}
	parsed, err := ParseFaultSpec(spec)
	if err != nil {
		return Faults{}, []violation{{"WebhookUrl", err.Error()}}
	}
	f := parsed.webhookPart()
	if !f.appliesTo(op.endpoint()) {
		return Faults{}, nil
	}
	if f.Once && f.hasWebhookFaults() && !s.claimOnce("url:"+*fields.WebhookURL) {
		return Faults{}, nil
	}
	return f, nil
}

// parseWebhookBody reads the members of a create or update body. Unknown members are
// ignored; a member of the wrong JSON type is a violation.
func parseWebhookBody(obj map[string]json.RawMessage, op operation) (WebhookFields, string, []violation) {
	var (
		fields WebhookFields
		vs     []violation
	)
	for i, p := range fields.members() {
		v, err := stringMember(obj, webhookMembers[i].name)
		if err != nil {
			vs = append(vs, violation{webhookMembers[i].name, "must be a string or null"})
			continue
		}
		*p = v
	}
	if op == opDelete {
		// A delete names the webhook and its account; other members are ignored.
		fields = WebhookFields{AccountID: fields.AccountID}
		vs = slices.DeleteFunc(vs, func(v violation) bool { return v.member != "AccountId" })
	}
	var id string
	if op == opUpdate || op == opDelete {
		v, err := stringMember(obj, "WebhookId")
		switch {
		case err != nil:
			vs = append(vs, violation{"WebhookId", "must be a string or null"})
		case v != nil:
			id = *v
		}
	}
	return fields, id, vs
}

// utf16Len counts UTF-16 code units, as a .NET MaxLength does: for text outside the
// Basic Multilingual Plane this is more than the number of characters.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// validateWebhook applies the documented rules; it returns every violation.
func validateWebhook(f WebhookFields, webhookID string, op operation) []violation {
	var vs []violation
	add := func(member, msg string) { vs = append(vs, violation{member, msg}) }
	tooLong := map[string]bool{}
	if op == opUpdate || op == opDelete {
		switch {
		case webhookID == "":
			add("WebhookId", "is required")
		case !strings.HasPrefix(webhookID, "WID-"):
			add("WebhookId", `must start with "WID-"`)
		}
	}
	for i, p := range f.members() {
		m := webhookMembers[i]
		if *p != nil && utf16Len(**p) > m.max {
			add(m.name, fmt.Sprintf("must be at most %d characters", m.max))
			tooLong[m.name] = true
		}
	}
	value := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}

	if acc := value(f.AccountID); !tooLong["AccountId"] {
		switch {
		case acc == "":
			add("AccountId", "is required")
		case !strings.HasPrefix(acc, "AID-"):
			add("AccountId", `must start with "AID-"`)
		}
	}
	if op == opDelete || op == opList {
		return vs
	}
	if u := value(f.WebhookURL); !tooLong["WebhookUrl"] {
		switch {
		case u == "":
			add("WebhookUrl", "is required")
		case !isHTTPSURL(u):
			add("WebhookUrl", "must be an absolute https URL")
		}
	}

	authType := value(f.AuthenticationType)
	allowed := "None, Basic, Token"
	if op == opUpdate {
		allowed = "None, Basic, Bearer, Token"
	}
	switch authType {
	case "", "None":
	case "Basic":
		if value(f.AuthenticationUsername) == "" {
			add("AuthenticationUsername", "is required when AuthenticationType is Basic")
		}
		if value(f.AuthenticationPassword) == "" {
			add("AuthenticationPassword", "is required when AuthenticationType is Basic")
		}
	case "Token", "Bearer":
		if authType == "Bearer" && op == opCreate {
			add("AuthenticationType", "must be one of "+allowed)
			break
		}
		if value(f.AuthenticationToken) == "" {
			add("AuthenticationToken", "is required when AuthenticationType is "+authType)
		}
	default:
		if !tooLong["AuthenticationType"] {
			add("AuthenticationType", "must be one of "+allowed)
		}
	}

	if list := value(f.SubscribedEvents); list != "" && !tooLong["SubscribedEvents"] {
		for item := range strings.SplitSeq(list, ",") {
			name := strings.TrimLeft(item, " \t") // whitespace after a comma is tolerated
			switch {
			case name == "":
				add("SubscribedEvents", "has an empty event name")
			case !isEvent(name):
				add("SubscribedEvents", fmt.Sprintf("has unknown event %q (known: %s)", name, strings.Join(events, ", ")))
			}
		}
	}
	return vs
}

// KnownEvents returns the event names SubscribedEvents accepts: the documented list
// plus the other spellings Telegent's documentation uses (New_SMS, Message_Status).
func KnownEvents() []string { return slices.Clone(events) }

func isEvent(name string) bool { return slices.Contains(events, name) }

func isHTTPSURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && strings.EqualFold(u.Scheme, "https") && u.Host != ""
}

// store creates or updates a webhook; for an update it reports false if the id is
// unknown.
func (s *Simulator) store(op operation, fields WebhookFields, webhookID string) (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == opUpdate {
		wh, ok := s.byID[webhookID]
		if !ok || !s.owns(wh, fields.AccountID) {
			return Webhook{}, false
		}
		wh.WebhookFields = fields.clone()
		s.counters.UpdatesAccepted++
		return *wh, true
	}
	s.lastID++
	wh := &Webhook{WebhookFields: fields.clone(), WebhookID: fmt.Sprintf("WID-%07d", s.lastID), Active: true}
	s.webhooks = append(s.webhooks, wh)
	s.byID[wh.WebhookID] = wh
	u := *fields.WebhookURL // validated: present
	s.createsByURL[u]++
	if s.createsByURL[u] > 1 {
		s.counters.DuplicateCreates++
	}
	s.counters.CreatesAccepted++
	return *wh, true
}

// owns reports whether wh may be changed by a request sent with accountID: always
// when the ownership check is off (a WebhookId of another account is then acted on,
// and an update moves it to the account sent).
func (s *Simulator) owns(wh *Webhook, accountID *string) bool {
	return s.skipOwnership || (wh.AccountID != nil && accountID != nil && *wh.AccountID == *accountID)
}

// delete removes webhook webhookID; it reports false if the id is unknown (or,
// with the ownership check, belongs to another account).
func (s *Simulator) delete(accountID, webhookID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	wh, ok := s.byID[webhookID]
	if !ok || !s.owns(wh, &accountID) {
		return false
	}
	delete(s.byID, webhookID)
	s.webhooks = slices.DeleteFunc(s.webhooks, func(w *Webhook) bool { return w == wh })
	s.counters.DeletesAccepted++
	return true
}

// list returns copies of accountID's webhooks in creation order.
func (s *Simulator) list(accountID string) []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters.ListsAnswered++
	var out []Webhook
	for _, wh := range s.webhooks {
		if wh.AccountID != nil && *wh.AccountID == accountID {
			out = append(out, Webhook{WebhookFields: wh.WebhookFields.clone(), WebhookID: wh.WebhookID, Active: wh.Active})
		}
	}
	return out
}
