package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/testpki"
)

// --- Certificates, made at run time: nothing private is committed. ---

// writeFile writes b to dir/name and returns the path.
func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// replaceFile swaps dir/name for new content the way Kubernetes and most
// deploy tools do (write aside, rename over), and gives it a distinct
// modification time so that the change shows whatever the file system's
// timestamp granularity.
func replaceFile(t *testing.T, path string, b []byte, mtime time.Time) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func newBearerToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// --- The security rig: CAs, certificates, tokens and policy files. ---

const (
	billingCaller = "svc-billing"                         // client certificate, common name (cn:svc-billing)
	crmCaller     = "spiffe://test.example/ns/crm/sa/crm" // client certificate, URI SAN
	opsCaller     = "svc-ops"                             // bearer token (token:svc-ops)
	unlisted      = "svc-unlisted"                        // bearer token, not in the policy
)

type rig struct {
	dir                     string
	serverCA, clientCA      *testpki.CA
	rogueCA                 *testpki.CA // trusted by nobody
	server                  testpki.Issued
	certFile, keyFile       string
	clientCAFile            string
	tokensFile, policyFile  string
	clientCerts             map[string]tls.Certificate
	tokens                  map[string]string // by caller; "wrong" is in no file
	roots                   *x509.CertPool    // to verify the facade
	serverKeyMaterialSample string            // a piece of the server's private key, to look for in logs
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{
		dir:      t.TempDir(),
		serverCA: testpki.NewCA(t, "facade server CA"),
		clientCA: testpki.NewCA(t, "facade client CA"),
		rogueCA:  testpki.NewCA(t, "rogue CA"),
		tokens: map[string]string{
			opsCaller: newBearerToken(t),
			unlisted:  newBearerToken(t),
			crmCaller: newBearerToken(t), // a token caller named like the crm certificate
			"wrong":   newBearerToken(t),
		},
	}
	r.server = r.serverCA.Issue(t, true, "telegent-facade")
	r.certFile = writeFile(t, r.dir, "server.pem", r.server.CertPEM)
	r.keyFile = writeFile(t, r.dir, "server-key.pem", r.server.KeyPEM)
	block, _ := pem.Decode(r.server.KeyPEM)
	r.serverKeyMaterialSample = base64.StdEncoding.EncodeToString(block.Bytes)[20:60]
	r.clientCAFile = writeFile(t, r.dir, "client-ca.PEM", r.clientCA.PEM)
	r.roots = x509.NewCertPool()
	r.roots.AddCert(r.serverCA.Cert)
	r.clientCerts = map[string]tls.Certificate{
		"billing": r.clientCA.Issue(t, false, billingCaller).Pair,
		"crm":     r.clientCA.Issue(t, false, "crm (the URI SAN wins)", crmCaller).Pair,
		"noid":    r.clientCA.Issue(t, false, "").Pair,
		"rogue":   r.rogueCA.Issue(t, false, billingCaller).Pair,
		// Certificates claiming a token caller's name: by common name, and
		// by a URI SAN in the token: namespace.
		"ops-cn":    r.clientCA.Issue(t, false, opsCaller).Pair,
		"token-san": r.clientCA.Issue(t, false, "svc-x", auth.TokenCallerPrefix+opsCaller).Pair,
	}
	r.tokensFile = writeFile(t, r.dir, "tokens.json", []byte(fmt.Sprintf(`{"tokens": [
		{"caller": %q, "sha256": %q},
		{"caller": %q, "sha256": %q},
		{"caller": %q, "sha256": %q}
	]}`, opsCaller, auth.HashToken(r.tokens[opsCaller]), unlisted, auth.HashToken(r.tokens[unlisted]),
		crmCaller, auth.HashToken(r.tokens[crmCaller]))))
	r.policyFile = writeFile(t, r.dir, "policy.json", []byte(fmt.Sprintf(`{"callers": [
		{"caller": %q, "accounts": ["AID-1234567"]},
		{"caller": %q, "account_prefixes": ["AID-CRM"]},
		{"caller": %q, "accounts": ["AID-7777777"]}
	]}`, auth.CNCallerPrefix+billingCaller, crmCaller, auth.TokenCallerPrefix+opsCaller)))
	return r
}

// args are the facade flags for TLS, mTLS, bearer tokens and the policy.
func (r *rig) args() []string {
	return []string{"--tls-cert-file", r.certFile, "--tls-key-file", r.keyFile, "--tls-client-ca-file", r.clientCAFile,
		"--auth-tokens-file", r.tokensFile, "--auth-policy-file", r.policyFile, "--auth-cert-cn-fallback"}
}

// secureClients reach a TLS facade as one of the rig's client
// certificates, or none (""). Connections are made once per certificate.
type secureClients struct {
	r                 *rig
	grpcAddr, httpURL string

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
	https map[string]*http.Client
}

func (r *rig) clients(t *testing.T, f *facade) *secureClients {
	t.Helper()
	sc := &secureClients{r: r, grpcAddr: f.grpcAddr, httpURL: "https://" + strings.TrimPrefix(f.httpURL, "http://"),
		conns: map[string]*grpc.ClientConn{}, https: map[string]*http.Client{}}
	t.Cleanup(func() {
		for _, c := range sc.conns {
			_ = c.Close()
		}
		for _, c := range sc.https {
			c.CloseIdleConnections()
		}
	})
	return sc
}

func (sc *secureClients) tlsConfig(cert string) *tls.Config {
	cfg := &tls.Config{RootCAs: sc.r.roots, MinVersion: tls.VersionTLS12}
	if cert != "" {
		// Sent whatever CAs the server names as acceptable: Go's default
		// would quietly send no certificate of another CA, and the
		// wrong-CA cases would test nothing.
		pair := sc.r.clientCerts[cert]
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	return cfg
}

func (sc *secureClients) conn(t *testing.T, cert string) *grpc.ClientConn {
	t.Helper()
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if c, ok := sc.conns[cert]; ok {
		return c
	}
	c, err := grpc.NewClient(sc.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(sc.tlsConfig(cert))))
	if err != nil {
		t.Fatal(err)
	}
	sc.conns[cert] = c
	return c
}

func (sc *secureClients) http(cert string) *http.Client {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if c, ok := sc.https[cert]; ok {
		return c
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: sc.tlsConfig(cert), ForceAttemptHTTP2: true}}
	sc.https[cert] = c
	return c
}

// answer is everything a caller got back, over either protocol.
type answer struct {
	code       codes.Code
	httpStatus int // 0 over gRPC
	status     *status.Status
	header     http.Header
	transport  error  // the exchange itself failed (TLS refused)
	raw        string // every byte of the answer, for the secret scan
}

// call runs CreateWebhook over proto ("grpc" or "rest") with a client
// certificate and an Authorization value ("" for none of either).
func (sc *secureClients) call(t *testing.T, proto, cert, authz string, req *webhookv1.CreateWebhookRequest) answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if proto == "grpc" {
		if authz != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authz)
		}
		var hdr, trl metadata.MD
		resp, err := webhookv1.NewWebhookServiceClient(sc.conn(t, cert)).CreateWebhook(ctx, req, grpc.Header(&hdr), grpc.Trailer(&trl))
		st := status.Convert(err)
		b, _ := protojson.Marshal(st.Proto())
		raw := fmt.Sprintf("%s %v %v", b, hdr, trl)
		if resp != nil {
			rb, _ := protojson.Marshal(resp)
			raw += string(rb)
		}
		return answer{code: st.Code(), status: st, raw: raw}
	}
	body, err := protojson.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, sc.httpURL+"/v1/webhooks", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if authz != "" {
		hreq.Header.Set("Authorization", authz)
	}
	resp, err := sc.http(cert).Do(hreq)
	if err != nil {
		return answer{code: codes.Unavailable, transport: err, raw: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{httpStatus: resp.StatusCode, header: resp.Header, raw: fmt.Sprintf("%s %v", b, resp.Header)}
	if resp.StatusCode == http.StatusOK {
		a.code = codes.OK
		return a
	}
	sp := &spb.Status{}
	if err := protojson.Unmarshal(b, sp); err != nil {
		t.Fatalf("REST error body is not a google.rpc.Status: %v\n%s", err, b)
	}
	a.status = status.FromProto(sp)
	a.code = a.status.Code()
	return a
}

// authCase is one caller presenting some credentials for some account.
type authCase struct {
	cert    string // client certificate of the rig, "" for none
	authz   string // Authorization value, "" for none
	account string // "" keeps basicReq's AID-1234567
	invalid bool   // send a request that fails validation
	want    codes.Code
	failure auth.Failure // for UNAUTHENTICATED
	reason  string       // ErrorInfo reason for UNAUTHENTICATED and PERMISSION_DENIED
}

func (r *rig) authCases() map[string]authCase {
	bearer := func(caller string) string { return "Bearer " + r.tokens[caller] }
	return map[string]authCase{
		"mtls common name, own account":     {cert: "billing", want: codes.OK},
		"mtls common name, other account":   {cert: "billing", account: "AID-7777777", want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
		"mtls uri san, prefix match":        {cert: "crm", account: "AID-CRM42", want: codes.OK},
		"mtls uri san, outside the prefix":  {cert: "crm", account: "AID-CR42", want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
		"mtls certificate without identity": {cert: "noid", want: codes.Unauthenticated, failure: auth.FailureNoIdentity, reason: auth.ReasonUnauthenticated},
		"token, own account":                {authz: bearer(opsCaller), account: "AID-7777777", want: codes.OK},
		"token, lower-case scheme":          {authz: "bearer " + r.tokens[opsCaller], account: "AID-7777777", want: codes.OK},
		"token, other account":              {authz: bearer(opsCaller), want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
		"token of a caller without policy":  {authz: bearer(unlisted), want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
		"token decides over certificate":    {cert: "billing", authz: bearer(opsCaller), account: "AID-7777777", want: codes.OK},
		"wrong token over valid cert":       {cert: "billing", authz: bearer("wrong"), want: codes.Unauthenticated, failure: auth.FailureInvalidToken, reason: auth.ReasonUnauthenticated},
		"wrong token":                       {authz: bearer("wrong"), want: codes.Unauthenticated, failure: auth.FailureInvalidToken, reason: auth.ReasonUnauthenticated},
		"basic credentials":                 {authz: "Basic " + base64.StdEncoding.EncodeToString([]byte("svc-ops:"+r.tokens["wrong"])), want: codes.Unauthenticated, failure: auth.FailureMalformed, reason: auth.ReasonUnauthenticated},
		"no credentials":                    {want: codes.Unauthenticated, failure: auth.FailureMissing, reason: auth.ReasonUnauthenticated},
		"no credentials, invalid request":   {invalid: true, want: codes.Unauthenticated, failure: auth.FailureMissing, reason: auth.ReasonUnauthenticated},
		"authenticated, invalid request":    {cert: "billing", invalid: true, want: codes.InvalidArgument},
		// Impersonation across namespaces: each is a caller of its own kind.
		"mtls common name of a token caller":  {cert: "ops-cn", account: "AID-7777777", want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
		"mtls uri san in the token namespace": {cert: "token-san", account: "AID-7777777", want: codes.Unauthenticated, failure: auth.FailureNoIdentity, reason: auth.ReasonUnauthenticated},
		"token named like a uri san":          {authz: bearer(crmCaller), account: "AID-CRM42", want: codes.PermissionDenied, reason: auth.ReasonAccountNotAllowed},
	}
}

// request builds the case's request with secrets in every secret field.
func (c authCase) request(t *testing.T, fault string) *webhookv1.CreateWebhookRequest {
	req := basicReq(uniqueURL(t, fault))
	req.AuthenticationPassword = hookPassword
	if c.account != "" {
		req.AccountId = c.account
	}
	if c.invalid {
		req.AuthenticationToken = hookToken // forbidden with BASIC
	}
	return req
}

// Secrets of webhook owners, distinctive so that the scans can find them.
const (
	hookPassword = "PASSWORD-sec-e2e-3f9a"
	hookToken    = "HOOKTOKEN-sec-e2e-c01d"
)

var httpForCode = map[codes.Code]int{
	codes.OK: 200, codes.InvalidArgument: 400, codes.Unauthenticated: 401, codes.PermissionDenied: 403,
}

// check asserts code, HTTP status and the ErrorInfo of an answer.
func (c authCase) check(t *testing.T, a answer) {
	t.Helper()
	if a.code != c.want {
		msg := a.raw
		if a.status != nil {
			msg = a.status.Message()
		}
		t.Fatalf("code = %v (%s), want %v", a.code, msg, c.want)
	}
	if a.httpStatus != 0 && a.httpStatus != httpForCode[c.want] {
		t.Errorf("HTTP status = %d, want %d", a.httpStatus, httpForCode[c.want])
	}
	if c.reason == "" {
		return
	}
	info := errorInfo(a.status)
	if info == nil || info.GetDomain() != failure.ErrorDomain || info.GetReason() != c.reason {
		t.Fatalf("ErrorInfo = %v, want %s/%s", info, failure.ErrorDomain, c.reason)
	}
	if c.failure != "" && info.GetMetadata()[auth.MetadataFailure] != string(c.failure) {
		t.Errorf("failure = %q, want %q", info.GetMetadata()[auth.MetadataFailure], c.failure)
	}
	if c.want == codes.Unauthenticated && a.httpStatus != 0 {
		if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="telegent-facade"` {
			t.Errorf("WWW-Authenticate = %q", got)
		}
	}
}

// TestCallerAuthOverGRPCAndREST runs every authentication and
// authorisation case over both protocols against a facade with TLS, mTLS,
// bearer tokens, a policy and --protect-ops; only allowed calls reach
// Telegent, and the metrics count every decision.
func TestCallerAuthOverGRPCAndREST(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	s := startSim(t)
	f := startFacade(t, s.url, nil, append(r.args(), "--protect-ops")...)
	sc := r.clients(t, f)
	cases := r.authCases()

	var mu sync.Mutex
	allowed, denied, failures := 0, 0, map[auth.Failure]int{}
	t.Run("cases", func(t *testing.T) {
		for _, proto := range []string{"grpc", "rest"} {
			for name, c := range cases {
				t.Run(proto+"/"+name, func(t *testing.T) {
					t.Parallel()
					c.check(t, sc.call(t, proto, c.cert, c.authz, c.request(t, "")))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case c.want == codes.OK:
						allowed++
					case c.want == codes.PermissionDenied:
						denied++
					case c.failure != "":
						failures[c.failure]++
					}
				})
			}
		}
	})

	t.Run("certificate of another CA is refused in the handshake", func(t *testing.T) {
		for _, proto := range []string{"grpc", "rest"} {
			a := sc.call(t, proto, "rogue", "Bearer "+r.tokens[opsCaller], basicReq(uniqueURL(t, "")+"/"+proto))
			if a.code != codes.Unavailable || (proto == "rest" && a.transport == nil) {
				t.Errorf("%s with a rogue client certificate: %v %d %.200s", proto, a.code, a.httpStatus, a.raw)
			}
		}
	})

	t.Run("plain text is refused on TLS listeners", func(t *testing.T) {
		_, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")))
		if status.Code(err) != codes.Unavailable {
			t.Errorf("plain-text gRPC: %v", err)
		}
		if code, _ := f.get(t, "/healthz"); code != http.StatusBadRequest {
			t.Errorf("plain-text HTTP: %d, want 400", code)
		}
	})

	t.Run("operational endpoints", func(t *testing.T) {
		get := func(path, cert, authz string) int {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, sc.httpURL+path, nil)
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			resp, err := sc.http(cert).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		for _, path := range []string{"/healthz", "/openapi.json"} {
			if code := get(path, "", ""); code != http.StatusOK {
				t.Errorf("GET %s without credentials = %d, want 200 (always open)", path, code)
			}
		}
		for _, path := range []string{"/metrics", "/readyz"} {
			if code := get(path, "", ""); code != http.StatusUnauthorized {
				t.Errorf("GET %s without credentials = %d, want 401", path, code)
			}
			failures[auth.FailureMissing]++
			if code := get(path, "", "Bearer "+r.tokens[opsCaller]); code != http.StatusOK {
				t.Errorf("GET %s with a token = %d, want 200", path, code)
			}
			if code := get(path, "billing", ""); code != http.StatusOK {
				t.Errorf("GET %s with a client certificate = %d, want 200", path, code)
			}
		}
		hc := healthpb.NewHealthClient(sc.conn(t, ""))
		if _, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("health without credentials: %v", err)
		}
		failures[auth.FailureMissing]++
		ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+r.tokens[opsCaller])
		if resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health with a token: %v %v", resp, err)
		}
		stream, err := reflectionpb.NewServerReflectionClient(sc.conn(t, "")).ServerReflectionInfo(t.Context())
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("reflection without credentials: %v", err)
		}
		failures[auth.FailureMissing]++
	})

	if c := s.counters(t); c.CreatesAttempted != int64(allowed) {
		t.Errorf("creates that reached Telegent = %d, want %d (the allowed calls only)", c.CreatesAttempted, allowed)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, sc.httpURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+r.tokens[opsCaller])
	resp, err := sc.http("").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := []string{
		fmt.Sprintf(`telegent_facade_authz_decisions_total{decision="allow"} %d`, allowed),
		fmt.Sprintf(`telegent_facade_authz_decisions_total{decision="deny"} %d`, denied),
		`telegent_facade_grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="CreateWebhook",grpc_service="telegent.webhook.v1.WebhookService",grpc_type="unary",protocol=`,
		`telegent_facade_grpc_server_handled_total{grpc_code="PermissionDenied",grpc_method="CreateWebhook",grpc_service="telegent.webhook.v1.WebhookService",grpc_type="unary",protocol=`,
	}
	for fl, n := range failures {
		want = append(want, fmt.Sprintf(`telegent_facade_authn_failures_total{failure=%q} %d`, fl, n))
	}
	for _, w := range want {
		if !strings.Contains(string(metrics), w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}

	// Every decision is in the request log, with the caller and account.
	for _, l := range []struct{ caller, account, code string }{
		{auth.CNCallerPrefix + billingCaller, "AID-1234567", "OK"},
		{crmCaller, "AID-CR42", "PermissionDenied"},
		{auth.TokenCallerPrefix + opsCaller, "AID-1234567", "PermissionDenied"},
		{auth.TokenCallerPrefix + crmCaller, "AID-CRM42", "PermissionDenied"},
		{auth.CNCallerPrefix + opsCaller, "AID-7777777", "PermissionDenied"},
	} {
		if _, ok := f.waitFor(func(m map[string]any) bool {
			return m["msg"] == "request" && m["caller"] == l.caller && m["account_id"] == l.account && m["code"] == l.code
		}, 10*time.Second); !ok {
			t.Errorf("no request log line for %s on %s with %s", l.caller, l.account, l.code)
		}
	}
	if _, ok := f.waitFor(func(m map[string]any) bool {
		return m["msg"] == "a caller has bearer tokens but no policy entry: it may create nothing" && m["caller"] == auth.TokenCallerPrefix+unlisted
	}, time.Second); !ok {
		t.Error("no start-up warning about the token caller missing from the policy")
	}
}

// TestTLSCertificatesReloaded: replacing the certificate, key and client
// CA files changes what new handshakes see, on both listeners, without a
// restart.
func TestTLSCertificatesReloaded(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	s := startSim(t)
	policy := writeFile(t, r.dir, "reload-policy.json", []byte(`{"callers": [{"caller": "cn:svc-reload", "accounts": ["AID-1234567"]}]}`))
	f := startFacade(t, s.url, nil, "--tls-cert-file", r.certFile, "--tls-key-file", r.keyFile,
		"--tls-client-ca-file", r.clientCAFile, "--auth-policy-file", policy, "--auth-cert-cn-fallback")
	httpAddr := strings.TrimPrefix(f.httpURL, "http://")

	newClientCA := testpki.NewCA(t, "next client CA")
	r.clientCerts["next"] = newClientCA.Issue(t, false, "svc-reload").Pair

	servedSerial := func(addr string, alpn string) *big.Int {
		t.Helper()
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: &tls.Config{RootCAs: r.roots, NextProtos: []string{alpn}}}
		conn, err := d.DialContext(t.Context(), "tcp", addr)
		if err != nil {
			t.Fatalf("handshake with %s: %v", addr, err)
		}
		defer conn.Close()
		return conn.(*tls.Conn).ConnectionState().PeerCertificates[0].SerialNumber
	}
	for addr, alpn := range map[string]string{f.grpcAddr: "h2", httpAddr: "http/1.1"} {
		if got := servedSerial(addr, alpn); got.Cmp(r.server.Serial) != 0 {
			t.Fatalf("%s serves serial %x, want %x", addr, got, r.server.Serial)
		}
	}
	before := r.clients(t, f)
	if a := before.call(t, "grpc", "next", "", basicReq(uniqueURL(t, "")+"/before")); a.code != codes.Unavailable {
		t.Fatalf("client certificate of a CA not yet trusted: %v, want the handshake refused", a.code)
	}

	next := r.serverCA.Issue(t, true, "telegent-facade, renewed")
	mtime := time.Now().Add(time.Hour)
	replaceFile(t, r.keyFile, next.KeyPEM, mtime)
	replaceFile(t, r.certFile, next.CertPEM, mtime)
	replaceFile(t, r.clientCAFile, newClientCA.PEM, mtime)

	for addr, alpn := range map[string]string{f.grpcAddr: "h2", httpAddr: "http/1.1"} {
		if got := servedSerial(addr, alpn); got.Cmp(next.Serial) != 0 {
			t.Errorf("after the files changed %s serves serial %x, want %x", addr, got, next.Serial)
		}
	}
	after := r.clients(t, f)
	for _, proto := range []string{"grpc", "rest"} {
		if a := after.call(t, proto, "next", "", basicReq(uniqueURL(t, "")+"/"+proto)); a.code != codes.OK {
			t.Errorf("%s with a certificate of the new client CA: %v %.300s", proto, a.code, a.raw)
		}
	}
	if _, ok := f.waitFor(func(m map[string]any) bool {
		return m["msg"] == "TLS certificate reloaded" && m["serial"] == next.Serial.Text(16)
	}, 10*time.Second); !ok {
		t.Error("no log line for the reload")
	}
}

// TestAuthOffWarnsLoudly: with authentication off, a listener on a
// non-loopback address is announced with a warning; a loopback one is not.
func TestAuthOffWarnsLoudly(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	f := startFacade(t, s.url, nil, "--grpc-addr", "0.0.0.0:0")
	line, ok := f.waitFor(func(m map[string]any) bool {
		return m["level"] == "WARN" && strings.Contains(fmt.Sprint(m["msg"]), "CALLER AUTHENTICATION IS OFF")
	}, 10*time.Second)
	if !ok {
		t.Fatalf("no warning:\n%s", f.output())
	}
	if l := fmt.Sprint(line["listeners"]); !strings.HasPrefix(l, "grpc=") || strings.Contains(l, "http=") {
		t.Errorf("listeners = %q, want the gRPC one only (HTTP is on loopback)", l)
	}
}

// TestUpstreamCertificateVerified: Telegent's certificate is verified;
// --telegent-ca-file supplies a private CA, and without it the same
// upstream is refused before anything is sent.
func TestUpstreamCertificateVerified(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	up := startTLSUpstream(t, r)
	trusting := startFacade(t, up.url, nil, "--telegent-ca-file", up.caFile)
	if _, err := trusting.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")+"/trusted")); err != nil {
		t.Fatalf("through an upstream signed by --telegent-ca-file: %v", err)
	}
	if c := up.sim.counters(t); c.CreatesAttempted != 1 {
		t.Fatalf("creates = %d, want 1", c.CreatesAttempted)
	}
	untrusting := startFacade(t, up.url, nil, "--breaker-failures", "1000")
	_, err := untrusting.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")+"/untrusted"))
	if status.Code(err) != codes.Unavailable {
		t.Errorf("through an upstream with an unknown CA: %v, want UNAVAILABLE", err)
	}
	if c := up.sim.counters(t); c.CreatesAttempted != 1 || c.TokenRequests != 1 {
		t.Errorf("the untrusted upstream got requests: %+v", c)
	}
}

// tlsUpstream is Telegent behind TLS: the simulator behind a TLS reverse
// proxy whose certificate is signed by the rig's server CA. It records the
// Telegent tokens it hands out, so the secret scan can look for them.
type tlsUpstream struct {
	url, caFile string
	sim         *sim

	mu     sync.Mutex
	tokens []string
}

func startTLSUpstream(t *testing.T, r *rig) *tlsUpstream {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &tlsUpstream{url: "https://" + lis.Addr().String(), caFile: writeFile(t, r.dir, "upstream-ca.PEM", r.serverCA.PEM)}
	// Tokens are scoped to the URL the facade calls: the proxy's.
	u.sim = startSim(t, "--public-base-url", u.url)
	target, err := url.Parse(u.sim.url)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: tr,
		ErrorLog:  log.New(io.Discard, "", 0), // the drop faults are meant
		ModifyResponse: func(resp *http.Response) error {
			if !strings.HasSuffix(resp.Request.URL.Path, "/oauth2/tokens") {
				return nil
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			var tok struct {
				Token string `json:"token"`
			}
			if json.Unmarshal(b, &tok) == nil && tok.Token != "" {
				u.mu.Lock()
				u.tokens = append(u.tokens, tok.Token)
				u.mu.Unlock()
			}
			resp.Body = io.NopCloser(bytes.NewReader(b))
			return err
		},
	}
	cert := r.serverCA.Issue(t, true, "telegent upstream")
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.Pair}, MinVersion: tls.VersionTLS12}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ServeTLS(lis, "", "")
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
		tr.CloseIdleConnections()
	})
	return u
}

func (u *tlsUpstream) issuedTokens() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.tokens...)
}

// spanSink is an OTLP/gRPC trace collector that keeps the raw bytes of
// every export: protobuf strings are stored verbatim, so a secret in any
// span attribute, event or status shows up in them.
type spanSink struct {
	addr string
	mu   sync.Mutex
	raw  bytes.Buffer
}

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func startSpanSink(t *testing.T) *spanSink {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &spanSink{addr: lis.Addr().String()}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		var msg []byte
		if err := stream.RecvMsg(&msg); err != nil {
			return err
		}
		s.mu.Lock()
		s.raw.Write(msg)
		s.mu.Unlock()
		empty := []byte{}
		return stream.SendMsg(&empty)
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return s
}

func (s *spanSink) bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.raw.Bytes())
}

// TestNoSecretsAcrossSecurityPaths runs every authentication and policy
// path, and upstream failures, with secrets in every secret field: webhook
// password and token, the account secret, callers' bearer tokens (right,
// wrong, malformed), Telegent's tokens and the server's private key. None
// of them may appear in the facade's logs, in any answer or error, or in
// any exported span.
func TestNoSecretsAcrossSecurityPaths(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	up := startTLSUpstream(t, r)
	spans := startSpanSink(t)
	f := startFacade(t, up.url, []string{"LOG_LEVEL=debug"},
		append(r.args(), "--protect-ops", "--telegent-ca-file", up.caFile, "--otlp-endpoint", "http://"+spans.addr,
			"--breaker-failures", "1000", "--breaker-failure-ratio", "2")...)
	sc := r.clients(t, f)

	var mu sync.Mutex
	var answers []string
	record := func(s string) { mu.Lock(); answers = append(answers, s); mu.Unlock() }
	t.Run("calls", func(t *testing.T) {
		for _, proto := range []string{"grpc", "rest"} {
			for name, c := range r.authCases() {
				t.Run(proto+"/"+name, func(t *testing.T) {
					t.Parallel()
					a := sc.call(t, proto, c.cert, c.authz, c.request(t, ""))
					record(a.raw)
					c.check(t, a)
				})
			}
			for _, fault := range []string{"status:400", "status:401", "status:500", "body:malformed", "drop:after-body"} {
				t.Run(proto+"/"+fault, func(t *testing.T) {
					t.Parallel()
					c := authCase{cert: "billing"}
					a := sc.call(t, proto, c.cert, "", c.request(t, fault))
					record(a.raw)
					if a.code == codes.OK {
						t.Errorf("fault %s answered OK", fault)
					}
				})
			}
			t.Run(proto+"/rogue certificate", func(t *testing.T) {
				record(sc.call(t, proto, "rogue", "Bearer "+r.tokens[opsCaller], basicReq(uniqueURL(t, ""))).raw)
			})
		}
	})
	// Telegent revokes its tokens: the facade fetches a new one.
	up.sim.admin(t, http.MethodPost, "/_sim/revoke-tokens", nil, nil)
	if a := sc.call(t, "grpc", "billing", "", basicReq(uniqueURL(t, "")+"/after-revoke")); a.code != codes.OK {
		t.Fatalf("after revoking Telegent's tokens: %v", a.raw)
	}

	// Stop the facade: the span exporter flushes on shutdown.
	if err := f.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := f.wait(t); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	exported := spans.bytes()
	if !bytes.Contains(exported, []byte(webhookv1.WebhookService_CreateWebhook_FullMethodName[1:])) || !bytes.Contains(exported, []byte("telegent /v1.0/webhook/create")) {
		t.Fatalf("the span sink got no facade spans (%d bytes)", len(exported))
	}
	telegentTokens := up.issuedTokens()
	if len(telegentTokens) < 2 {
		t.Fatalf("Telegent tokens seen = %d, want at least 2 (one per fetch)", len(telegentTokens))
	}

	secrets := map[string]string{
		"webhook password":          hookPassword,
		"webhook token":             hookToken,
		"account secret":            accountSecret,
		"server private key":        r.serverKeyMaterialSample,
		"bearer token (valid)":      r.tokens[opsCaller],
		"bearer token (no policy)":  r.tokens[unlisted],
		"bearer token (SAN-named)":  r.tokens[crmCaller],
		"bearer token (wrong)":      r.tokens["wrong"],
		"basic credentials payload": base64.StdEncoding.EncodeToString([]byte("svc-ops:" + r.tokens["wrong"])),
	}
	for i, tok := range telegentTokens {
		secrets[fmt.Sprintf("Telegent token %d", i+1)] = tok
	}
	logs := f.output()
	if !strings.Contains(logs, `"caller":"`+auth.CNCallerPrefix+billingCaller+`"`) {
		t.Fatal("no request logs with callers captured")
	}
	assertNoSecrets(t, logs, answers, secrets)
	for what, secret := range secrets {
		if bytes.Contains(exported, []byte(secret)) {
			t.Errorf("the exported spans contain the %s", what)
		}
	}
}

// TestSecurityConfigErrors: inconsistent security settings and bad files
// are reported together at start, exit code 2, without quoting the files.
func TestSecurityConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pasted := newBearerToken(t) // a token pasted where its hash belongs
	tokens := writeFile(t, dir, "tokens.json", []byte(`{"tokens": [{"caller": "svc", "sha256": "`+pasted+`"}]}`))
	notPEM := writeFile(t, dir, "ca.PEM", []byte("not a certificate"))
	policy := writeFile(t, dir, "policy.json", []byte(`{"callers": [{"caller": "svc", "acounts": ["AID-1"]}]}`))
	cmd := exec.Command(facadeBin, "--dev", "--tls-cert-file", filepath.Join(dir, "missing.pem"), "--auth-tokens-file", tokens,
		"--auth-policy-file", policy, "--telegent-ca-file", notPEM)
	cmd.Env = []string{"PROTECT_OPS=true"}
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("exit = %v, want code 2\n%s", err, out)
	}
	for _, want := range []string{"--tls-cert-file and --tls-key-file", "--auth-tokens-file", "64 hex digits", "--auth-policy-file", "acounts", "--telegent-ca-file"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %s:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), pasted) {
		t.Errorf("the output quotes the token file:\n%s", out)
	}
	cmd = exec.Command(facadeBin, "--dev", "--protect-ops", "--auth-policy-file", policy)
	out, _ = cmd.CombinedOutput()
	for _, want := range []string{"--protect-ops needs authentication", "--auth-policy-file needs authentication"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %q:\n%s", want, out)
		}
	}
}

// TestHostileInput: oversized bodies and headers, slow clients, malformed
// and deeply nested JSON and control characters are each answered with a
// clear 4xx or gRPC status, over both protocols, and nothing reaches
// Telegent.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	s := startSim(t)
	// A short slow-client limit keeps the test fast; the bound the test
	// waits for a hang (4s) is below the 5s default, so the test fails if
	// the setting were ignored, and 20 times the limit, so load does not
	// make it flaky.
	f := startFacade(t, s.url, nil, "--read-header-timeout", "200ms")
	before := s.counters(t) // the token taken at start-up
	const hangBound = 4 * time.Second

	post := func(t *testing.T, body io.Reader, header http.Header) (int, *status.Status) {
		t.Helper()
		code, b := f.restCall(t.Context(), t, body, header)
		if code == 0 {
			t.Fatal("POST /v1/webhooks got no answer")
		}
		sp := &spb.Status{}
		if err := protojson.Unmarshal(b, sp); err != nil {
			return code, nil
		}
		return code, status.FromProto(sp)
	}
	valid, err := protojson.Marshal(basicReq("https://hooks.example.com/hostile"))
	if err != nil {
		t.Fatal(err)
	}
	// A valid request padded past 64 KiB with an over-long username.
	huge, err := protojson.Marshal(func() *webhookv1.CreateWebhookRequest {
		r := basicReq("https://hooks.example.com/huge")
		r.AuthenticationUsername = strings.Repeat("u", 70<<10)
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}

	rest := map[string]struct {
		body   func() io.Reader
		header http.Header
		want   int
		field  string // a field violation expected in google.rpc.BadRequest
	}{
		"body over 64 KiB, with length":  {body: func() io.Reader { return bytes.NewReader(huge) }, want: http.StatusRequestEntityTooLarge},
		"body over 64 KiB, chunked":      {body: func() io.Reader { return io.MultiReader(bytes.NewReader(huge)) }, want: http.StatusRequestEntityTooLarge},
		"headers over 16 KiB":            {body: func() io.Reader { return bytes.NewReader(valid) }, header: http.Header{"X-Padding": {strings.Repeat("p", 32<<10)}}, want: http.StatusRequestHeaderFieldsTooLarge},
		"truncated JSON":                 {body: func() io.Reader { return strings.NewReader(`{"accountId": "AID-1`) }, want: http.StatusBadRequest},
		"not JSON":                       {body: func() io.Reader { return strings.NewReader("accountId=AID-1") }, want: http.StatusBadRequest},
		"deeply nested arrays":           {body: func() io.Reader { return strings.NewReader(strings.Repeat("[", 60000)) }, want: http.StatusBadRequest},
		"deeply nested value of a field": {body: func() io.Reader { return strings.NewReader(`{"accountId": ` + strings.Repeat("[", 60000)) }, want: http.StatusBadRequest},
		"deeply nested unknown field":    {body: func() io.Reader { return strings.NewReader(strings.Repeat(`{"x": `, 10000)) }, want: http.StatusBadRequest},
		"invalid UTF-8 in a string": {body: func() io.Reader {
			return bytes.NewReader(bytes.Replace(valid, []byte("webhook_user"), []byte("webhook_\xff\xfe"), 1))
		}, want: http.StatusBadRequest},
		"NUL in the webhook URL": {body: func() io.Reader {
			return bytes.NewReader(jsonWith(t, "webhookUrl", "https://hooks.example.com/a\u0000b"))
		}, want: http.StatusBadRequest, field: "webhook_url"},
		"newline in the webhook URL": {body: func() io.Reader {
			return bytes.NewReader(jsonWith(t, "webhookUrl", "https://hooks.example.com/a\r\nX-Injected: 1"))
		}, want: http.StatusBadRequest, field: "webhook_url"},
		"control character in the account id": {body: func() io.Reader { return bytes.NewReader(jsonWith(t, "accountId", "AID-123\u0007")) }, want: http.StatusBadRequest, field: "account_id"},
		"NUL in the username":                 {body: func() io.Reader { return bytes.NewReader(jsonWith(t, "authenticationUsername", "user\u0000")) }, want: http.StatusBadRequest, field: "authentication_username"},
		"escape in the password":              {body: func() io.Reader { return bytes.NewReader(jsonWith(t, "authenticationPassword", "pass\u001b[2J")) }, want: http.StatusBadRequest, field: "authentication_password"},
	}
	t.Run("rest", func(t *testing.T) {
		for name, tc := range rest {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				code, st := post(t, tc.body(), tc.header)
				if code != tc.want {
					t.Fatalf("HTTP %d, want %d", code, tc.want)
				}
				if code == http.StatusRequestHeaderFieldsTooLarge {
					return // answered by net/http before any handler: plain text
				}
				want := codes.InvalidArgument
				if code == http.StatusRequestEntityTooLarge {
					want = codes.ResourceExhausted
				}
				if st == nil || st.Code() != want {
					t.Fatalf("body is not a google.rpc.Status with %v: %v", want, st)
				}
				if tc.field != "" {
					br := badRequest(st)
					if br == nil || len(br.GetFieldViolations()) == 0 || br.GetFieldViolations()[0].GetField() != tc.field {
						t.Errorf("violations = %v, want %s", br.GetFieldViolations(), tc.field)
					}
				}
			})
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		t.Parallel()
		for name, addr := range map[string]string{"http": strings.TrimPrefix(f.httpURL, "http://"), "grpc": f.grpcAddr} {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if name == "http" {
				// Headers started, never finished.
				_, _ = io.WriteString(conn, "POST /v1/webhooks HTTP/1.1\r\nHost: facade\r\nContent-Type: appl")
			} // gRPC: not even the HTTP/2 preface.
			_ = conn.SetReadDeadline(time.Now().Add(hangBound))
			b, err := io.ReadAll(conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%s: a client sending headers slowly was not cut off", name)
				continue
			}
			if name == "http" && len(b) > 0 && !strings.HasPrefix(string(b), "HTTP/1.1 408") {
				t.Errorf("%s: answered %q, want the connection closed or 408", name, b)
			}
		}
	})

	t.Run("grpc", func(t *testing.T) {
		t.Run("message over 64 KiB", func(t *testing.T) {
			r := basicReq(uniqueURL(t, ""))
			r.AuthenticationUsername = strings.Repeat("u", 70<<10)
			if _, err := f.client.CreateWebhook(t.Context(), r); status.Code(err) != codes.ResourceExhausted {
				t.Errorf("got %v, want RESOURCE_EXHAUSTED", err)
			}
		})
		t.Run("metadata over 16 KiB", func(t *testing.T) {
			// The server advertises its limit in its HTTP/2 settings; a
			// conforming client refuses to send more, anything else is
			// reset by the server. Either way the call fails.
			ctx := metadata.AppendToOutgoingContext(t.Context(), "x-padding", strings.Repeat("p", 32<<10))
			if _, err := f.client.CreateWebhook(ctx, basicReq(uniqueURL(t, ""))); err == nil {
				t.Error("a call with 32 KiB of metadata succeeded")
			}
		})
		t.Run("control characters", func(t *testing.T) {
			r := basicReq("https://hooks.example.com/a\x00b")
			r.AuthenticationUsername = "user\x07"
			_, err := f.client.CreateWebhook(t.Context(), r)
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want INVALID_ARGUMENT", err)
			}
			if br := badRequest(status.Convert(err)); len(br.GetFieldViolations()) < 2 {
				t.Errorf("violations = %v, want webhook_url and authentication_username", br.GetFieldViolations())
			}
		})
	})

	if c := s.counters(t); c.CreatesAttempted != 0 || c.TokenRequests != before.TokenRequests {
		t.Errorf("hostile requests reached Telegent: %+v, %d token requests before them", c, before.TokenRequests)
	}
	// The facade is still serving.
	if _, err := f.client.CreateWebhook(t.Context(), basicReq(uniqueURL(t, "")+"/after")); err != nil {
		t.Errorf("after the hostile input: %v", err)
	}
}

// jsonWith is a valid request's JSON with one string field replaced.
func jsonWith(t *testing.T, field, value string) []byte {
	t.Helper()
	b, err := protojson.Marshal(basicReq("https://hooks.example.com/field"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m[field] = value
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
