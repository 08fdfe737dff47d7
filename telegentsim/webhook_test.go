package telegentsim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var webhookIDPattern = regexp.MustCompile(`^WID-[0-9]{7,}$`)

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := map[string]struct {
		mods   map[string]any
		member string // "" means valid
	}{
		// valid variants
		"documented example":            {},
		"minimal":                       {mods: map[string]any{"Method": "<absent>", "DataFormat": "<absent>", "AuthenticationType": "<absent>", "AuthenticationUsername": "<absent>", "AuthenticationPassword": "<absent>", "AuthenticationToken": "<absent>", "SubscribedEvents": "<absent>"}},
		"nulls":                         {mods: map[string]any{"Method": nil, "DataFormat": nil, "AuthenticationType": nil, "SubscribedEvents": nil}},
		"None":                          {mods: map[string]any{"AuthenticationType": "None", "AuthenticationUsername": nil, "AuthenticationPassword": nil}},
		"Token":                         {mods: map[string]any{"AuthenticationType": "Token", "AuthenticationToken": "t0k"}},
		"events with space after comma": {mods: map[string]any{"SubscribedEvents": "Order_Update, New_SMS,  Call_Ringing"}},
		"every documented event":        {mods: map[string]any{"SubscribedEvents": strings.Join(KnownEvents(), ",")}},
		"lower-case member names":       {mods: map[string]any{"AccountId": "<absent>", "accountid": "AID-7654321"}},
		"unknown member ignored":        {mods: map[string]any{"Colour": 3}},
		"AccountId at 100":              {mods: map[string]any{"AccountId": "AID-" + long(96)}},
		"WebhookUrl at 255":             {mods: map[string]any{"WebhookUrl": "https://h.example/" + long(255-18)}},
		"HTTPS in capitals":             {mods: map[string]any{"WebhookUrl": "HTTPS://h.example/x"}},
		"AccountId 100 UTF-16 units":    {mods: map[string]any{"AccountId": "AID-" + strings.Repeat("😀", 48)}},

		// invalid
		"AccountId absent":                   {mods: map[string]any{"AccountId": "<absent>"}, member: "AccountId"},
		"AccountId null":                     {mods: map[string]any{"AccountId": nil}, member: "AccountId"},
		"AccountId empty":                    {mods: map[string]any{"AccountId": ""}, member: "AccountId"},
		"AccountId without AID-":             {mods: map[string]any{"AccountId": "1234567"}, member: "AccountId"},
		"AccountId lower-case prefix":        {mods: map[string]any{"AccountId": "aid-1234567"}, member: "AccountId"},
		"AccountId 101":                      {mods: map[string]any{"AccountId": "AID-" + long(97)}, member: "AccountId"},
		"AccountId 102 UTF-16 units":         {mods: map[string]any{"AccountId": "AID-" + strings.Repeat("😀", 49)}, member: "AccountId"},
		"AccountId number":                   {mods: map[string]any{"AccountId": 1234567}, member: "AccountId"},
		"WebhookUrl absent":                  {mods: map[string]any{"WebhookUrl": "<absent>"}, member: "WebhookUrl"},
		"WebhookUrl http":                    {mods: map[string]any{"WebhookUrl": "http://h.example/x"}, member: "WebhookUrl"},
		"WebhookUrl relative":                {mods: map[string]any{"WebhookUrl": "/x"}, member: "WebhookUrl"},
		"WebhookUrl no host":                 {mods: map[string]any{"WebhookUrl": "https:///x"}, member: "WebhookUrl"},
		"WebhookUrl 256":                     {mods: map[string]any{"WebhookUrl": "https://h.example/" + long(256-18)}, member: "WebhookUrl"},
		"WebhookUrl bool":                    {mods: map[string]any{"WebhookUrl": true}, member: "WebhookUrl"},
		"Method 11":                          {mods: map[string]any{"Method": long(11)}, member: "Method"},
		"Method array":                       {mods: map[string]any{"Method": []string{"POST"}}, member: "Method"},
		"DataFormat 51":                      {mods: map[string]any{"DataFormat": long(51)}, member: "DataFormat"},
		"DataFormat object":                  {mods: map[string]any{"DataFormat": map[string]any{}}, member: "DataFormat"},
		"AuthenticationType unknown":         {mods: map[string]any{"AuthenticationType": "Digest"}, member: "AuthenticationType"},
		"AuthenticationType wrong case":      {mods: map[string]any{"AuthenticationType": "basic"}, member: "AuthenticationType"},
		"AuthenticationType Bearer (create)": {mods: map[string]any{"AuthenticationType": "Bearer", "AuthenticationToken": "t"}, member: "AuthenticationType"},
		"AuthenticationType 11":              {mods: map[string]any{"AuthenticationType": long(11)}, member: "AuthenticationType"},
		"Basic without username":             {mods: map[string]any{"AuthenticationUsername": ""}, member: "AuthenticationUsername"},
		"Basic without password":             {mods: map[string]any{"AuthenticationPassword": nil}, member: "AuthenticationPassword"},
		"Token without token":                {mods: map[string]any{"AuthenticationType": "Token", "AuthenticationToken": ""}, member: "AuthenticationToken"},
		"AuthenticationUsername 256":         {mods: map[string]any{"AuthenticationUsername": long(256)}, member: "AuthenticationUsername"},
		"AuthenticationPassword 256":         {mods: map[string]any{"AuthenticationPassword": long(256)}, member: "AuthenticationPassword"},
		"AuthenticationToken 256":            {mods: map[string]any{"AuthenticationToken": long(256)}, member: "AuthenticationToken"},
		"AuthenticationToken number":         {mods: map[string]any{"AuthenticationToken": 5}, member: "AuthenticationToken"},
		"SubscribedEvents unknown":           {mods: map[string]any{"SubscribedEvents": "Order_Update,Order_Created"}, member: "SubscribedEvents"},
		"SubscribedEvents wrong case":        {mods: map[string]any{"SubscribedEvents": "order_update"}, member: "SubscribedEvents"},
		"SubscribedEvents empty item":        {mods: map[string]any{"SubscribedEvents": "Order_Update,,New_Sms"}, member: "SubscribedEvents"},
		"SubscribedEvents trailing comma":    {mods: map[string]any{"SubscribedEvents": "Order_Update,"}, member: "SubscribedEvents"},
		"SubscribedEvents space before":      {mods: map[string]any{"SubscribedEvents": "Order_Update ,New_Sms"}, member: "SubscribedEvents"},
		"SubscribedEvents 256":               {mods: map[string]any{"SubscribedEvents": strings.Repeat("Order_Update,", 20)[:256]}, member: "SubscribedEvents"},
		"SubscribedEvents array":             {mods: map[string]any{"SubscribedEvents": []string{"Order_Update"}}, member: "SubscribedEvents"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			r := h.call(CreatePath, validBody(tc.mods), nil)
			if tc.member == "" {
				wantStatus(t, r, 200)
				return
			}
			wantStatus(t, r, 400)
			m := r.json(t)
			if msg, _ := m["message"].(string); !strings.Contains(msg, tc.member) {
				t.Errorf("message %q does not name %s", msg, tc.member)
			}
			if m["error"] == nil || m["error"] == "" {
				t.Errorf("no error member: %s", r.body)
			}
			if errs, _ := m["errors"].(map[string]any); errs[tc.member] == nil {
				t.Errorf("errors does not list %s: %s", tc.member, r.body)
			}
			if len(h.sim.Webhooks()) != 0 || h.sim.Counters().CreatesAccepted != 0 {
				t.Error("an invalid webhook was stored")
			}
		})
	}
}

func TestValidationReportsEveryMember(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	r := h.call(CreatePath, map[string]any{"AccountId": "x", "WebhookUrl": "http://x", "AuthenticationType": "Token"}, nil)
	wantStatus(t, r, 400)
	errs, _ := r.json(t)["errors"].(map[string]any)
	for _, m := range []string{"AccountId", "WebhookUrl", "AuthenticationToken"} {
		if errs[m] == nil {
			t.Errorf("errors misses %s: %s", m, r.body)
		}
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		method, path string
		body         any
		header       map[string]string
		want         int
	}{
		"GET create":             {method: http.MethodGet, path: CreatePath, want: 405},
		"PUT update":             {method: http.MethodPut, path: UpdatePath, body: validBody(nil), want: 405},
		"unknown path":           {path: "/v1.0/webhook/remove", body: validBody(nil), want: 404},
		"delete without id":      {path: DeletePath, body: validBody(nil), want: 400},
		"root":                   {method: http.MethodGet, path: "/", want: 404},
		"text/plain":             {path: CreatePath, body: validBody(nil), header: map[string]string{"Content-Type": "text/plain"}, want: 415},
		"no content type":        {path: CreatePath, body: validBody(nil), header: map[string]string{"Content-Type": ""}, want: 415},
		"form":                   {path: CreatePath, body: "AccountId=AID-1", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: 415},
		"+json accepted":         {path: CreatePath, body: validBody(nil), header: map[string]string{"Content-Type": "application/merge+json"}, want: 200},
		"too large":              {path: CreatePath, body: `{"AccountId":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, want: 413},
		"malformed JSON":         {path: CreatePath, body: `{"AccountId":`, want: 400},
		"JSON array":             {path: CreatePath, body: `[{"AccountId":"AID-1"}]`, want: 400},
		"JSON null":              {path: CreatePath, body: `null`, want: 400},
		"empty body":             {path: CreatePath, body: ``, want: 400},
		"two objects":            {path: CreatePath, body: `{} {}`, want: 400},
		"mixed-case create path": {path: "/V1.0/Webhook/Create", body: validBody(nil), want: 200},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Config{})
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			hdr := map[string]string{"Authorization": "Bearer " + h.tokenFor(h.url(tc.path))}
			for k, v := range tc.header {
				hdr[k] = v
			}
			r := h.must(method, tc.path, tc.body, hdr)
			wantStatus(t, r, tc.want)
			if tc.want == 405 && r.header.Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q", r.header.Get("Allow"))
			}
			if tc.want != 200 {
				r.json(t) // every error is JSON
			}
		})
	}
}

func TestCreateEcho(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	body := validBody(map[string]any{"AuthenticationToken": nil, "SubscribedEvents": "Order_Update, New_Sms"})
	r := h.call(CreatePath, body, nil)
	wantStatus(t, r, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	got := r.json(t)
	id, _ := got["WebhookId"].(string)
	if !webhookIDPattern.MatchString(id) {
		t.Errorf("WebhookId = %q", id)
	}
	if got["Active"] != true {
		t.Errorf("Active = %v", got["Active"])
	}
	delete(got, "WebhookId")
	delete(got, "Active")
	if !reflect.DeepEqual(got, body) {
		t.Errorf("echo differs:\n got %v\nwant %v", got, body)
	}

	// A second create gets the next id; both are stored in order.
	r2 := h.call(CreatePath, validBody(map[string]any{"WebhookUrl": "https://h.example/2"}), nil)
	wantStatus(t, r2, 200)
	id2, _ := r2.json(t)["WebhookId"].(string)
	if !webhookIDPattern.MatchString(id2) || id2 <= id {
		t.Errorf("second id %q after %q", id2, id)
	}
	whs := h.sim.Webhooks()
	if len(whs) != 2 || whs[0].WebhookID != id || whs[1].WebhookID != id2 {
		t.Fatalf("Webhooks() = %+v", whs)
	}
	if whs[0].AuthenticationToken != nil || *whs[0].AuthenticationPassword != "s3cureP@ss" || !whs[0].Active {
		t.Errorf("stored %+v", whs[0])
	}
	*whs[0].AccountID = "mutated"
	if *h.sim.Webhooks()[0].AccountID != "AID-1234567" {
		t.Error("Webhooks() shares memory with the simulator")
	}
	wantCounters(t, h.sim, Counters{TokenRequests: 2, TokensIssued: 2, CreatesAttempted: 2, CreatesAccepted: 2})
}

func TestDuplicateCreatesAreCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	for range 3 {
		wantStatus(t, h.call(CreatePath, validBody(nil), nil), 200)
	}
	wantStatus(t, h.call(CreatePath, validBody(map[string]any{"WebhookUrl": "https://h.example/other"}), nil), 200)
	want := map[string]int{"https://api.example.com/telegent/events": 3, "https://h.example/other": 1}
	if got := h.sim.CreatesByURL(); !reflect.DeepEqual(got, want) {
		t.Errorf("CreatesByURL = %v, want %v", got, want)
	}
	if c := h.sim.Counters(); c.DuplicateCreates != 2 || c.CreatesAccepted != 4 {
		t.Errorf("counters = %+v", c)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Config{})
	created := h.call(CreatePath, validBody(nil), nil)
	wantStatus(t, created, 200)
	id := created.json(t)["WebhookId"].(string)

	tests := []struct {
		name   string
		mods   map[string]any
		want   int
		member string
	}{
		{"bearer auth", map[string]any{"WebhookId": id, "AuthenticationType": "Bearer", "AuthenticationToken": "tok", "WebhookUrl": "https://h.example/new"}, 200, ""},
		{"token auth", map[string]any{"WebhookId": id, "AuthenticationType": "Token", "AuthenticationToken": "tok"}, 200, ""},
		{"bearer without token", map[string]any{"WebhookId": id, "AuthenticationType": "Bearer", "AuthenticationToken": ""}, 400, "AuthenticationToken"},
		{"missing WebhookId", nil, 400, "WebhookId"},
		{"WebhookId null", map[string]any{"WebhookId": nil}, 400, "WebhookId"},
		{"WebhookId number", map[string]any{"WebhookId": 1234567}, 400, "WebhookId"},
		{"WebhookId without WID-", map[string]any{"WebhookId": "1234567"}, 400, "WebhookId"},
		{"unknown WebhookId", map[string]any{"WebhookId": "WID-0000001"}, 404, ""},
		{"invalid member", map[string]any{"WebhookId": id, "AccountId": "x"}, 400, "AccountId"},
	}
	accepted := 0
	for _, tc := range tests {
		r := h.call(UpdatePath, validBody(tc.mods), nil)
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.status, tc.want, r.body)
			continue
		}
		m := r.json(t)
		switch tc.want {
		case 200:
			accepted++
			if m["WebhookId"] != id || m["Active"] != true || m["AuthenticationToken"] != "tok" {
				t.Errorf("%s: body %s", tc.name, r.body)
			}
		case 400:
			if msg, _ := m["message"].(string); !strings.Contains(msg, tc.member) {
				t.Errorf("%s: message %q does not name %s", tc.name, msg, tc.member)
			}
		}
	}
	whs := h.sim.Webhooks()
	if len(whs) != 1 || *whs[0].AuthenticationType != "Token" || *whs[0].WebhookURL != "https://api.example.com/telegent/events" {
		b, _ := json.Marshal(whs)
		t.Errorf("stored after updates: %s", b)
	}
	if c := h.sim.Counters(); c.UpdatesAccepted != int64(accepted) || c.UpdatesAttempted != int64(len(tests)) || c.CreatesAccepted != 1 {
		t.Errorf("counters = %+v", c)
	}
}
