package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// chromiumPath is Debian's Chromium, installed by `make browser-deps`.
const chromiumPath = "/usr/bin/chromium"

// browserPage is served on each test origin. Its script calls the facade
// the way a browser app does: Connect's JSON protocol with plain fetch,
// gRPC-Web with its binary framing written out here, and, as a hostile
// page would, no-cors fetches and HTML form posts.
var browserPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>facade browser test</title></head>
<body>
<iframe name="sink" id="sink"></iframe>
<form id="form-text" method="post" action="{{.Facade}}/v1/webhooks" enctype="text/plain" target="sink">
  <input type="hidden" name="{{.FormName}}" value="{{.FormValue}}">
</form>
<form id="form-urlencoded" method="post" action="{{.Facade}}/v1/webhooks" enctype="application/x-www-form-urlencoded" target="sink">
  <input type="hidden" name="{{.FormName}}" value="{{.FormValue}}">
  <input type="hidden" name="accountId" value="AID-1234567">
</form>
<script>
const METHOD_PATH = "/telegent.webhook.v1.WebhookService/CreateWebhook";

async function connectCreate(base, body, requestId) {
  try {
    const resp = await fetch(base + METHOD_PATH, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Connect-Protocol-Version": "1", "X-Request-Id": requestId},
      body: body,
    });
    return {status: resp.status, requestId: resp.headers.get("X-Request-Id") || "", body: await resp.text()};
  } catch (e) {
    return {error: String(e)};
  }
}

// gRPC-Web: one length-prefixed message frame out; message and trailer
// frames (flag 0x80) back.
async function grpcWebCreate(base, messageB64, requestId) {
  const msg = Uint8Array.from(atob(messageB64), c => c.charCodeAt(0));
  const frame = new Uint8Array(5 + msg.length);
  new DataView(frame.buffer).setUint32(1, msg.length);
  frame.set(msg, 5);
  try {
    const resp = await fetch(base + METHOD_PATH, {
      method: "POST",
      headers: {"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "X-Request-Id": requestId},
      body: frame,
    });
    const buf = new Uint8Array(await resp.arrayBuffer());
    let message = "", trailers = "";
    for (let i = 0; i + 5 <= buf.length;) {
      const len = new DataView(buf.buffer, buf.byteOffset + i + 1, 4).getUint32(0);
      const data = buf.subarray(i + 5, i + 5 + len);
      if (buf[i] & 0x80) {
        trailers += new TextDecoder().decode(data);
      } else {
        message = btoa(String.fromCharCode(...data));
      }
      i += 5 + len;
    }
    return {
      status: resp.status,
      grpcStatus: resp.headers.get("grpc-status") || "",
      grpcMessage: resp.headers.get("grpc-message") || "",
      requestId: resp.headers.get("X-Request-Id") || "",
      message: message,
      trailers: trailers,
    };
  } catch (e) {
    return {error: String(e)};
  }
}

// A "simple" request: no preflight, the answer is opaque to the page.
async function noCorsPost(url, contentType, body) {
  try {
    await fetch(url, {method: "POST", mode: "no-cors", headers: {"Content-Type": contentType}, body: body});
    return {status: 0};
  } catch (e) {
    return {error: String(e)};
  }
}

function submitForm(id) {
  return new Promise(resolve => {
    document.getElementById("sink").onload = () => resolve({status: 0});
    document.getElementById(id).submit();
  });
}
</script>
</body></html>`))

// gRPC-Web trailer frames hold HTTP/1-style header lines.
var (
	grpcStatusOK      = regexp.MustCompile(`(?im)^grpc-status:\s*0\s*$`)
	grpcStatusInvalid = regexp.MustCompile(`(?im)^grpc-status:\s*3\s*$`)
)

// pageResult is what the page's functions return.
type pageResult struct {
	Error       string `json:"error"`
	Status      int    `json:"status"`
	RequestID   string `json:"requestId"`
	Body        string `json:"body"`
	GRPCStatus  string `json:"grpcStatus"`
	GRPCMessage string `json:"grpcMessage"`
	Message     string `json:"message"`
	Trailers    string `json:"trailers"`
}

// pageHandler serves the page rendered for the facade at facadeURL.
func pageHandler(t *testing.T, facadeURL, formName, formValue string) http.Handler {
	t.Helper()
	var page bytes.Buffer
	if err := browserPage.Execute(&page, map[string]string{"Facade": facadeURL, "FormName": formName, "FormValue": formValue}); err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page.Bytes())
	})
}

// newBrowser starts headless Chromium with a fresh profile. The flags keep
// it from reaching out on its own: only the test's loopback servers are
// contacted.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed (make browser-deps installs it)", chromiumPath)
		}
		t.Fatalf("%s not installed under CI: %v", chromiumPath, err)
	}
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	// The limit only bounds a hang; it is not a timing assertion.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 3*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browserCtx
}

// call runs expr, a promise, in the current page and returns its result.
func call(t *testing.T, ctx context.Context, expr string) pageResult {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[pageResult](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.60s: %v", expr, err)
	}
	return res
}

// js renders a call of fn with arguments as JavaScript string literals.
func js(t *testing.T, fn string, args ...string) string {
	t.Helper()
	quoted := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		quoted[i] = string(b)
	}
	return fn + "(" + strings.Join(quoted, ", ") + ")"
}

// TestBrowser drives headless Chromium against the real facade: a page on
// an allowed origin creates webhooks over Connect and gRPC-Web and reads
// the answers' headers; a page on another origin is blocked, and neither
// its fetches nor its HTML form posts create anything.
func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	s := startSim(t)

	// A form's text/plain body is name=value: this name and value make it a
	// valid JSON request, the classic cross-site request forgery.
	formReq := basicReq("https://hooks.example.com/from-a-form")
	formJSON, err := protojson.Marshal(formReq)
	if err != nil {
		t.Fatal(err)
	}
	cut := bytes.Index(formJSON, []byte(`"s3cureP@ss"`)) + len(`"s3cureP@`)
	formName, formValue := string(formJSON[:cut]), string(formJSON[cut:])

	// Two origins: two loopback ports, bound first so that the facade can
	// be told the allowed one, and served once the facade's URL is known.
	pages := map[string]*httptest.Server{"allowed": httptest.NewUnstartedServer(nil), "other": httptest.NewUnstartedServer(nil)}
	origin := func(name string) string { return "http://" + pages[name].Listener.Addr().String() }
	f := startFacade(t, s.url, nil, append([]string{"--cors-allowed-origins", origin("allowed")}, noBreaker...)...)
	facadeURL := f.httpURL
	for _, ts := range pages {
		ts.Config.Handler = pageHandler(t, facadeURL, formName, formValue)
		ts.Start()
		t.Cleanup(ts.Close)
	}

	// The form payload is a valid request: sent as JSON, it creates.
	if code, b := f.restCall(t.Context(), t, strings.NewReader(formName+"="+formValue+"\r\n"), nil); code != http.StatusOK {
		t.Fatalf("the form payload sent as JSON: HTTP %d %s; the forgery tests below would prove nothing", code, b)
	}

	t.Run("allowed origin", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(origin("allowed"))); err != nil {
			t.Fatal(err)
		}
		before := s.counters(t)

		// Connect, JSON.
		body, err := protojson.Marshal(basicReq(uniqueURL(t, "") + "/connect"))
		if err != nil {
			t.Fatal(err)
		}
		res := call(t, ctx, js(t, "connectCreate", facadeURL, string(body), "browser-connect-1"))
		if res.Error != "" || res.Status != http.StatusOK {
			t.Fatalf("Connect from the allowed origin: %+v", res)
		}
		var created webhookv1.CreateWebhookResponse
		if err := protojson.Unmarshal([]byte(res.Body), &created); err != nil || created.GetWebhook().GetWebhookId() == "" {
			t.Errorf("Connect answer %s: %v", res.Body, err)
		}
		if res.RequestID != "browser-connect-1" {
			t.Errorf("X-Request-Id read by the page = %q: not exposed?", res.RequestID)
		}

		// gRPC-Web, binary.
		msg, err := proto.Marshal(basicReq(uniqueURL(t, "") + "/grpcweb"))
		if err != nil {
			t.Fatal(err)
		}
		res = call(t, ctx, js(t, "grpcWebCreate", facadeURL, base64.StdEncoding.EncodeToString(msg), "browser-grpcweb-1"))
		if res.Error != "" || res.Status != http.StatusOK || !grpcStatusOK.MatchString(res.Trailers) {
			t.Fatalf("gRPC-Web from the allowed origin: %+v", res)
		}
		raw, err := base64.StdEncoding.DecodeString(res.Message)
		if err != nil {
			t.Fatal(err)
		}
		created.Reset()
		if err := proto.Unmarshal(raw, &created); err != nil || created.GetWebhook().GetWebhookId() == "" {
			t.Errorf("gRPC-Web answer: %v %v", &created, err)
		}
		if res.RequestID != "browser-grpcweb-1" {
			t.Errorf("X-Request-Id read by the page = %q: not exposed?", res.RequestID)
		}

		// Errors are readable too: grpc-status and grpc-message (gRPC-Web
		// answers an error in its headers) and Connect's JSON error.
		invalid := basicReq(uniqueURL(t, ""))
		invalid.AuthenticationPassword = ""
		msg, err = proto.Marshal(invalid)
		if err != nil {
			t.Fatal(err)
		}
		res = call(t, ctx, js(t, "grpcWebCreate", facadeURL, base64.StdEncoding.EncodeToString(msg), "browser-grpcweb-2"))
		if res.Error != "" {
			t.Fatalf("gRPC-Web error call: %+v", res)
		}
		if res.GRPCStatus != "3" && !grpcStatusInvalid.MatchString(res.Trailers) {
			t.Errorf("gRPC-Web invalid request: grpc-status header %q, trailers %q; want 3 readable by the page", res.GRPCStatus, res.Trailers)
		}
		body, err = protojson.Marshal(invalid)
		if err != nil {
			t.Fatal(err)
		}
		res = call(t, ctx, js(t, "connectCreate", facadeURL, string(body), "browser-connect-2"))
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `"invalid_argument"`) || !strings.Contains(res.Body, "google.rpc.BadRequest") {
			t.Errorf("Connect invalid request: %+v", res)
		}

		after := s.counters(t)
		if n := after.CreatesAccepted - before.CreatesAccepted; n != 2 {
			t.Errorf("webhooks created from the allowed origin = %d, want 2", n)
		}
	})

	t.Run("other origin", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(origin("other"))); err != nil {
			t.Fatal(err)
		}
		before := s.counters(t)

		body, err := protojson.Marshal(basicReq(uniqueURL(t, "") + "/connect"))
		if err != nil {
			t.Fatal(err)
		}
		if res := call(t, ctx, js(t, "connectCreate", facadeURL, string(body), "browser-other-1")); res.Error == "" {
			t.Errorf("Connect from another origin was not blocked: %+v", res)
		}
		msg, err := proto.Marshal(basicReq(uniqueURL(t, "") + "/grpcweb"))
		if err != nil {
			t.Fatal(err)
		}
		if res := call(t, ctx, js(t, "grpcWebCreate", facadeURL, base64.StdEncoding.EncodeToString(msg), "browser-other-2")); res.Error == "" {
			t.Errorf("gRPC-Web from another origin was not blocked: %+v", res)
		}

		// Requests a browser sends without a preflight.
		payload := formName + "=" + formValue
		for _, target := range []string{facadeURL + "/v1/webhooks", facadeURL + webhookv1.WebhookService_CreateWebhook_FullMethodName} {
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded"} {
				if res := call(t, ctx, js(t, "noCorsPost", target, ct, payload)); res.Error != "" {
					t.Errorf("no-cors post to %s as %s failed in the page: %s", target, ct, res.Error)
				}
			}
		}
		for _, form := range []string{"form-text", "form-urlencoded"} {
			call(t, ctx, fmt.Sprintf("submitForm(%q)", form))
		}

		after := s.counters(t)
		if n := after.CreatesAttempted - before.CreatesAttempted; n != 0 {
			t.Errorf("requests from another origin reached Telegent %d times, want 0", n)
		}
		// Each simple request did reach the facade, and was refused there.
		for _, path := range []string{"/v1/webhooks", webhookv1.WebhookService_CreateWebhook_FullMethodName} {
			if _, ok := f.waitFor(func(l map[string]any) bool {
				return l["msg"] == "request" && l["method"] == "POST "+path && l["http_status"] == float64(http.StatusUnsupportedMediaType)
			}, 10*time.Second); !ok {
				t.Errorf("no 415 logged for a simple post to %s", path)
			}
		}
	})
}
