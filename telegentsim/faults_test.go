package telegentsim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseFaultSpec(t *testing.T) {
	t.Parallel()
	valid := map[string]Faults{
		"":                             {},
		" ; ":                          {},
		"status:503":                   {Status: 503},
		"STATUS: 429 ; once":           {Status: 429, Once: true},
		"latency:250ms":                {Latency: 250 * time.Millisecond},
		"latency:1s;status:500":        {Latency: time.Second, Status: 500},
		"status:502;body:html":         {Status: 502, Body: BodyHTML},
		"status:500;body:text":         {Status: 500, Body: BodyText},
		"status:500;body:json":         {Status: 500},
		"status:500;body:empty":        {Status: 500, Body: BodyEmpty},
		"status:500;body:malformed":    {Status: 500, Body: BodyMalformed},
		"body:malformed":               {Body: BodyMalformed},
		"body:NoWebhookId":             {Body: BodyNoWebhookID},
		"body:activenull;latency:1ms":  {Body: BodyActiveNull, Latency: time.Millisecond},
		"drop:before-body":             {Drop: DropBeforeBody},
		"drop:after-body;once":         {Drop: DropAfterBody, Once: true},
		"latency:5ms;drop:after-body":  {Latency: 5 * time.Millisecond, Drop: DropAfterBody},
		"token-status:503":             {TokenStatus: 503},
		"token-latency:2s;token-drop":  {TokenLatency: 2 * time.Second, TokenDrop: true},
		"token-expiry:past":            {TokenExpiryFormat: ExpiryPast},
		"token-expiry:layout:15:04:05": {TokenExpiryFormat: "layout:15:04:05"},
		"status:503;token-status:500;once": {
			Status: 503, TokenStatus: 500, Once: true,
		},
	}
	for spec, want := range valid {
		t.Run("valid "+spec, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFaultSpec(spec)
			if err != nil {
				t.Fatalf("ParseFaultSpec(%q): %v", spec, err)
			}
			if got != want {
				t.Fatalf("ParseFaultSpec(%q) = %+v, want %+v", spec, got, want)
			}
			again, err := ParseFaultSpec(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip of %q via %q = %+v, %v", spec, got.String(), again, err)
			}
		})
	}

	invalid := map[string]string{ // spec -> substring of the error
		"status":                         "needs a value",
		"status:abc":                     "not a number",
		"status:200":                     "400-599",
		"status:600":                     "400-599",
		"status:503;status:500":          "more than once",
		"latency:fast":                   "latency",
		"latency:-1s":                    "negative",
		"body:xml":                       "body",
		"drop:sometimes":                 "drop",
		"drop:after-body;status:503":     "drop cannot",
		"drop:after-body;body:html":      "drop cannot",
		"drop:before-body;latency:1s":    "latency cannot",
		"status:503;body:nowebhookid":    "success",
		"status:503;body:activenull":     "success",
		"once:yes":                       "takes no value",
		"token-drop:1":                   "takes no value",
		"token-drop;token-status:503":    "token-drop cannot",
		"token-status:99":                "400-599",
		"token-expiry:sometime":          "token-expiry",
		"token-expiry:layout:":           "token-expiry",
		"explode":                        "unknown",
		"status:503;explode;latency:bad": "unknown", // every problem reported
	}
	for spec, wantErr := range invalid {
		t.Run("invalid "+spec, func(t *testing.T) {
			t.Parallel()
			_, err := ParseFaultSpec(spec)
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("ParseFaultSpec(%q) error = %v, want one containing %q", spec, err, wantErr)
			}
		})
	}
	t.Run("all problems at once", func(t *testing.T) {
		t.Parallel()
		_, err := ParseFaultSpec("status:abc;explode;latency:bad")
		for _, want := range []string{"status", "explode", "latency"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not mention %q", err, want)
			}
		}
	})
}

func TestFaultsJSON(t *testing.T) {
	t.Parallel()
	f := Faults{Latency: 250 * time.Millisecond, Status: 503, Body: BodyHTML, Once: true, TokenLatency: time.Second, TokenExpiryFormat: ExpiryGarbled}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"latency":"250ms"`) {
		t.Errorf("durations not written as strings: %s", b)
	}
	var back Faults
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"stauts":503}`), &back); err == nil {
		t.Error("unknown member accepted")
	}
	if err := json.Unmarshal([]byte(`{"latency":"soon"}`), &back); err == nil {
		t.Error("bad duration accepted")
	}
	if b, _ := json.Marshal(Faults{}); string(b) != "{}" {
		t.Errorf("zero Faults = %s", b)
	}
}

func TestFaultSpecInURL(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		url, spec string
		found     bool
		err       bool
	}{
		"none":         {url: "https://h.example/x"},
		"other query":  {url: "https://h.example/x?a=b"},
		"raw":          {url: "https://h.example/x?sim-fault=status:503;once", spec: "status:503;once", found: true},
		"encoded":      {url: "https://h.example/x?a=1&sim-fault=status%3A503%3Bonce#frag", spec: "status:503;once", found: true},
		"fragment":     {url: "https://h.example/x#sim-fault=status:503"},
		"twice":        {url: "https://h.example/x?sim-fault=status:503&sim-fault=status:500", found: true, err: true},
		"bad encoding": {url: "https://h.example/x?sim-fault=%zz", found: true, err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			spec, found, err := faultSpecFromURL(tc.url)
			if (err != nil) != tc.err || found != tc.found || (!tc.err && spec != tc.spec) {
				t.Fatalf("faultSpecFromURL(%q) = %q, %v, %v", tc.url, spec, found, err)
			}
		})
	}
	f := Faults{Status: 503, Once: true}
	for _, base := range []string{"https://h.example/x", "https://h.example/x?a=b"} {
		spec, found, err := faultSpecFromURL(FaultURL(base, f))
		if err != nil || !found || spec != f.String() {
			t.Errorf("FaultURL(%q) does not round-trip: %q %v %v", base, spec, found, err)
		}
	}
}

func TestNewPanicsOnInvalidFaults(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New accepted invalid faults")
		}
	}()
	New(Config{Faults: Faults{Status: 42}})
}
