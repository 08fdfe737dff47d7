package auth_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

const (
	opsToken   = "0pS-token-5vQ2l8u3cJm4Rk9wZbXe7TnY1aHfD6sG"
	otherToken = "0tHer-token-N3wQ8zLm2Vb7Kc4Xj9Rt5Yp1Ug6Ha0"
	wrongToken = "wr0ng-token-Bb3Nn4Mm5Qq6Ww7Ee8Rr9Tt0Yy1Uu2"
	// sanNamedToken belongs to a token caller named like the crm
	// certificate's URI SAN.
	sanNamedToken = "s4N-named-token-Hh2Jj3Kk4Ll5Zz6Xx7Cc8Vv9Bb"
)

func tokensFile(t *testing.T) *auth.Tokens {
	t.Helper()
	tok, err := auth.ParseTokens([]byte(fmt.Sprintf(`{"tokens": [
		{"caller": "svc-ops", "sha256": %q},
		{"caller": "svc-ops", "sha256": %q},
		{"caller": "spiffe://corp/crm", "sha256": %q}
	]}`, auth.HashToken(opsToken), auth.HashToken(otherToken), auth.HashToken(sanNamedToken))))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// policy names a token caller, two certificates by URI SAN and, when
// withCN, one certificate by its common name.
func policy(t *testing.T, withCN ...bool) *auth.Policy {
	t.Helper()
	cn := ""
	if len(withCN) > 0 && withCN[0] {
		cn = `, {"caller": "cn:svc-legacy", "accounts": ["AID-4444444"]}`
	}
	p, err := auth.ParsePolicy([]byte(`{"callers": [
		{"caller": "token:svc-ops", "accounts": ["AID-1111111", "AID-2222222"]},
		{"caller": "spiffe://corp/billing", "accounts": ["AID-1111111"], "account_prefixes": ["AID-BILL"]},
		{"caller": "spiffe://corp/crm", "account_prefixes": ["AID-"]}` + cn + `
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHashTokenIsSHA256Hex(t *testing.T) {
	t.Parallel()
	// printf %s abc | sha256sum
	if got := auth.HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashToken(abc) = %s", got)
	}
}

func TestParseTokens(t *testing.T) {
	t.Parallel()
	good := auth.HashToken(opsToken)
	tests := map[string]struct {
		file    string
		wantErr string
	}{
		"one token":             {`{"tokens": [{"caller": "svc", "sha256": "` + good + `"}]}`, ""},
		"upper-case hex":        {`{"tokens": [{"caller": "svc", "sha256": "` + strings.ToUpper(good) + `"}]}`, ""},
		"no tokens":             {`{"tokens": []}`, "no tokens"},
		"not JSON":              {`tokens: []`, "invalid JSON"},
		"unknown field":         {`{"tokens": [{"caller": "svc", "sha256": "` + good + `", "token": "x"}]}`, `unknown field "token"`},
		"trailing data":         {`{"tokens": [{"caller": "svc", "sha256": "` + good + `"}]} {}`, "after the JSON object"},
		"wrong type":            {`{"tokens": [{"caller": 7, "sha256": "` + good + `"}]}`, "wrong JSON type"},
		"empty caller":          {`{"tokens": [{"caller": "", "sha256": "` + good + `"}]}`, "token 1: caller is empty"},
		"control char caller":   {`{"tokens": [{"caller": "a\u0007", "sha256": "` + good + `"}]}`, "printable"},
		"short hash":            {`{"tokens": [{"caller": "svc", "sha256": "abcd"}]}`, "64 hex digits"},
		"token instead of hash": {`{"tokens": [{"caller": "svc", "sha256": "` + opsToken + `"}]}`, "64 hex digits"},
		"prefixed caller":       {`{"tokens": [{"caller": "token:svc", "sha256": "` + good + `"}]}`, "token 1: caller must be written without a token: or cn: prefix"},
		"cn-prefixed caller":    {`{"tokens": [{"caller": "cn:svc", "sha256": "` + good + `"}]}`, "without a token: or cn: prefix"},
		"same hash twice":       {`{"tokens": [{"caller": "a", "sha256": "` + good + `"}, {"caller": "b", "sha256": "` + good + `"}]}`, "token 2: the same token hash appears twice"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.ParseTokens([]byte(tc.file))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), opsToken) {
				t.Errorf("the error quotes a token: %v", err)
			}
		})
	}
}

func TestTokensLookup(t *testing.T) {
	t.Parallel()
	tok := tokensFile(t)
	for token, want := range map[string]string{opsToken: "svc-ops", otherToken: "svc-ops", wrongToken: "", "": "", opsToken + " ": ""} {
		caller, ok := tok.Lookup(token)
		if caller != want || ok != (want != "") {
			t.Errorf("Lookup(%.6s…) = %q, %v; want %q", token, caller, ok, want)
		}
	}
	if got := fmt.Sprint(tok.Callers()); got != "[token:spiffe://corp/crm token:svc-ops]" {
		t.Errorf("Callers() = %s, want the names the policy uses", got)
	}
	var none *auth.Tokens
	if _, ok := none.Lookup(opsToken); ok {
		t.Error("a nil token set accepts a token")
	}
	for _, s := range []string{tok.String(), fmt.Sprintf("%v %+v", tok, tok)} {
		if strings.Contains(s, auth.HashToken(opsToken)[:16]) {
			t.Errorf("printing the token set shows a hash: %s", s)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		file    string
		wantErr []string
	}{
		"valid":              {`{"callers": [{"caller": "token:a", "accounts": ["AID-1"]}, {"caller": "cn:b c", "account_prefixes": ["AID-"]}, {"caller": "spiffe://td/ns/x", "accounts": ["AID-2"]}]}`, nil},
		"bare name":          {`{"callers": [{"caller": "billing", "accounts": ["AID-1"]}]}`, []string{`caller "billing": must be token:NAME`}},
		"empty token name":   {`{"callers": [{"caller": "token:", "accounts": ["AID-1"]}]}`, []string{`caller "token:": needs a name after token:`}},
		"upper-case prefix":  {`{"callers": [{"caller": "TOKEN:a", "accounts": ["AID-1"]}]}`, []string{"written in lower case"}},
		"uri not as printed": {`{"callers": [{"caller": "SPIFFE://td/x", "accounts": ["AID-1"]}]}`, []string{`write the URI as "spiffe://td/x"`}},
		"no callers":         {`{"callers": []}`, []string{"no callers"}},
		"misspelt field":     {`{"callers": [{"caller": "token:a", "acounts": ["AID-1"]}]}`, []string{`unknown field "acounts"`}},
		"caller listed twice": {`{"callers": [{"caller": "token:a", "accounts": ["AID-1"]}, {"caller": "token:a", "accounts": ["AID-2"]}]}`,
			[]string{`caller "token:a": listed twice`}},
		"nothing allowed": {`{"callers": [{"caller": "token:a"}]}`, []string{"no accounts and no account_prefixes"}},
		"every problem at once": {`{"callers": [{"caller": "token:a", "accounts": ["aid-1", "AID-"], "account_prefixes": ["", "BILL"]}, {"caller": " b"}]}`,
			[]string{`account "aid-1"`, `account "AID-"`, `account prefix ""`, `account prefix "BILL"`, "caller 2: name has leading or trailing spaces"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.ParsePolicy([]byte(tc.file))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want it to mention %q", err, want)
				}
			}
		})
	}
}

func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	p := policy(t, true)
	tests := []struct {
		caller, account string
		want            bool
	}{
		{"token:svc-ops", "AID-1111111", true},
		{"token:svc-ops", "AID-2222222", true},
		{"token:svc-ops", "AID-3333333", false},
		{"token:svc-ops", "AID-11111111", false}, // exact means exact
		{"token:svc-ops", "AID-111111", false},
		{"svc-ops", "AID-1111111", false}, // namespaces are part of the name
		{"cn:svc-ops", "AID-1111111", false},
		{"spiffe://corp/billing", "AID-1111111", true},
		{"spiffe://corp/billing", "AID-BILL", true},
		{"spiffe://corp/billing", "AID-BILL42", true},
		{"spiffe://corp/billing", "AID-BIL", false},
		{"spiffe://corp/billing", "AID-bill42", false}, // case matters
		{"spiffe://corp/crm", "AID-anything9", true},
		{"token:spiffe://corp/crm", "AID-anything9", false},
		{"cn:svc-legacy", "AID-4444444", true},
		{"token:svc-legacy", "AID-4444444", false},
		{"token:svc-unknown", "AID-1111111", false},
		{"", "AID-1111111", false},
		{"token:SVC-OPS", "AID-1111111", false},
	}
	for _, tc := range tests {
		if got := p.Allows(tc.caller, tc.account); got != tc.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", tc.caller, tc.account, got, tc.want)
		}
	}
	var none *auth.Policy
	if none.Allows("token:svc-ops", "AID-1111111") {
		t.Error("a nil policy allows")
	}
}

func TestCertificateCaller(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cert       *x509.Certificate
		cnFallback bool
		want       string
	}{
		{leaf("crm", "spiffe://corp/crm"), false, "spiffe://corp/crm"},
		{leaf("crm", "spiffe://corp/crm", "spiffe://corp/other"), true, "spiffe://corp/crm"},
		{leaf("svc-billing"), false, ""},
		{leaf("svc-billing"), true, "cn:svc-billing"},
		{leaf("token:svc-ops"), true, "cn:token:svc-ops"},
		{leaf("svc-ops", "token:svc-ops"), true, ""},
		{leaf("svc-ops", "TOKEN:svc-ops"), true, ""},
		{leaf("x", "cn:svc-legacy"), true, ""},
		{leaf("x", "token://svc-ops"), true, ""},
		{leaf("svc-ops", "svc-ops"), true, ""}, // not an absolute URI
		{leaf(""), true, ""},
		{nil, true, ""},
	} {
		if got := auth.CertificateCaller(tc.cert, tc.cnFallback); got != tc.want {
			var sans []string
			if tc.cert != nil {
				for _, u := range tc.cert.URIs {
					sans = append(sans, u.String())
				}
			}
			t.Errorf("CertificateCaller(SANs %q, fallback %v) = %q, want %q", sans, tc.cnFallback, got, tc.want)
		}
	}
}

// counter is an auth.Observer that counts.
type counter struct {
	mu        sync.Mutex
	failures  map[auth.Failure]int
	decisions map[string]int
}

func newCounter() *counter {
	return &counter{failures: map[auth.Failure]int{}, decisions: map[string]int{}}
}

func (c *counter) AuthenticationFailed(f auth.Failure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures[f]++
}

func (c *counter) AuthorizationDecided(d string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decisions[d]++
}

func newAuth(t *testing.T, tokens bool, mtls, protectOps bool, obs auth.Observer, logger *slog.Logger) *auth.Auth {
	t.Helper()
	return newAuthCN(t, tokens, mtls, false, protectOps, obs, logger)
}

func newAuthCN(t *testing.T, tokens bool, mtls, cnFallback, protectOps bool, obs auth.Observer, logger *slog.Logger) *auth.Auth {
	t.Helper()
	cfg := auth.Config{MTLS: mtls, CertCNFallback: cnFallback, Policy: policy(t, cnFallback), ProtectOps: protectOps, Observer: obs, Logger: logger}
	if tokens {
		cfg.Tokens = tokensFile(t)
	}
	a, err := auth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewRefusesOpenConfigurations(t *testing.T) {
	t.Parallel()
	if _, err := auth.New(auth.Config{Tokens: tokensFile(t), CertCNFallback: true, Policy: policy(t)}); err == nil {
		t.Error("New with the common name fallback but no mTLS succeeded")
	}
	if _, err := auth.New(auth.Config{MTLS: true, Policy: policy(t, true)}); err == nil || !strings.Contains(err.Error(), "cn:svc-legacy") {
		t.Errorf("New with cn: callers in the policy and the fallback off: %v", err)
	}
	if _, err := auth.New(auth.Config{Policy: policy(t)}); err == nil {
		t.Error("New without an authentication method succeeded")
	}
	if _, err := auth.New(auth.Config{MTLS: true}); err == nil {
		t.Error("New without a policy succeeded")
	}
}

func leaf(cn string, uris ...string) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}}
	for _, u := range uris {
		parsed, _ := url.Parse(u)
		c.URIs = append(c.URIs, parsed)
	}
	return c
}

// presented is what a caller sends: Authorization values and a client
// certificate the TLS layer verified (or only saw).
type presented struct {
	authz    []string
	cert     *x509.Certificate
	verified bool
}

func (p presented) tlsState() *tls.ConnectionState {
	st := &tls.ConnectionState{}
	if p.cert != nil {
		st.PeerCertificates = []*x509.Certificate{p.cert}
		if p.verified {
			st.VerifiedChains = [][]*x509.Certificate{{p.cert}}
		}
	}
	return st
}

// grpcContext is the context of a gRPC call presenting p.
func (p presented) grpcContext() context.Context {
	ctx := context.Background()
	if len(p.authz) > 0 {
		md := metadata.MD{}
		for _, v := range p.authz {
			md.Append("authorization", v)
		}
		ctx = metadata.NewIncomingContext(ctx, md)
	}
	return peer.NewContext(ctx, &peer.Peer{AuthInfo: credentials.TLSInfo{State: *p.tlsState()}})
}

// httpRequest is a REST request presenting p. The gateway would also copy
// Authorization into gRPC metadata; the interceptors must ignore that and
// use what the HTTP layer saw.
func (p presented) httpRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/webhooks", nil)
	for _, v := range p.authz {
		r.Header.Add("Authorization", v)
	}
	r.TLS = p.tlsState()
	return r
}

var (
	billingCert = leaf("svc-billing", "spiffe://corp/billing")
	legacyCert  = leaf("svc-legacy")
)

// authCases are shared by the gRPC and the REST tests.
var authCases = map[string]struct {
	p       presented
	tokens  bool // bearer tokens enabled
	mtls    bool // client certificates enabled
	cn      bool // certificate common name fallback on
	account string
	code    codes.Code
	failure auth.Failure
	caller  string
}{
	"token":                          {p: presented{authz: []string{"Bearer " + opsToken}}, tokens: true, account: "AID-1111111", code: codes.OK, caller: "token:svc-ops"},
	"second token of the caller":     {p: presented{authz: []string{"Bearer " + otherToken}}, tokens: true, account: "AID-2222222", code: codes.OK, caller: "token:svc-ops"},
	"token, scheme in capitals":      {p: presented{authz: []string{"BEARER " + opsToken}}, tokens: true, account: "AID-1111111", code: codes.OK, caller: "token:svc-ops"},
	"token, account not allowed":     {p: presented{authz: []string{"Bearer " + opsToken}}, tokens: true, account: "AID-3333333", code: codes.PermissionDenied, caller: "token:svc-ops"},
	"wrong token":                    {p: presented{authz: []string{"Bearer " + wrongToken}}, tokens: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureInvalidToken},
	"no credentials":                 {tokens: true, mtls: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMissing},
	"basic scheme":                   {p: presented{authz: []string{"Basic c3ZjOnB3"}}, tokens: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMalformed},
	"bearer without token":           {p: presented{authz: []string{"Bearer "}}, tokens: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMalformed},
	"two authorization values":       {p: presented{authz: []string{"Bearer " + opsToken, "Bearer " + opsToken}}, tokens: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMalformed},
	"certificate":                    {p: presented{cert: billingCert, verified: true}, mtls: true, account: "AID-1111111", code: codes.OK, caller: "spiffe://corp/billing"},
	"certificate, prefix":            {p: presented{cert: billingCert, verified: true}, mtls: true, account: "AID-BILL7", code: codes.OK, caller: "spiffe://corp/billing"},
	"certificate, not allowed":       {p: presented{cert: billingCert, verified: true}, mtls: true, account: "AID-2222222", code: codes.PermissionDenied, caller: "spiffe://corp/billing"},
	"certificate uri san":            {p: presented{cert: leaf("ignored", "spiffe://corp/crm"), verified: true}, mtls: true, account: "AID-x1", code: codes.OK, caller: "spiffe://corp/crm"},
	"certificate without identity":   {p: presented{cert: leaf(""), verified: true}, mtls: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"unverified certificate":         {p: presented{cert: billingCert}, mtls: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMissing},
	"certificate, mTLS off":          {p: presented{cert: billingCert, verified: true}, tokens: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureMissing},
	"token decides over certificate": {p: presented{authz: []string{"Bearer " + opsToken}, cert: billingCert, verified: true}, tokens: true, mtls: true, account: "AID-2222222", code: codes.OK, caller: "token:svc-ops"},
	"wrong token over certificate":   {p: presented{authz: []string{"Bearer " + wrongToken}, cert: billingCert, verified: true}, tokens: true, mtls: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureInvalidToken},
	"certificate cn, fallback off":   {p: presented{cert: legacyCert, verified: true}, mtls: true, account: "AID-4444444", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"certificate cn, fallback on":    {p: presented{cert: legacyCert, verified: true}, mtls: true, cn: true, account: "AID-4444444", code: codes.OK, caller: "cn:svc-legacy"},
	"uri san wins over cn fallback":  {p: presented{cert: billingCert, verified: true}, mtls: true, cn: true, account: "AID-1111111", code: codes.OK, caller: "spiffe://corp/billing"},
	// Impersonation across namespaces. A token whose caller is named like
	// a certificate's SAN is still a token caller:
	"token named like a san": {p: presented{authz: []string{"Bearer " + sanNamedToken}}, tokens: true, mtls: true, account: "AID-anything9", code: codes.PermissionDenied, caller: "token:spiffe://corp/crm"},
	// A certificate whose common name is a token caller's name:
	"certificate cn is a token caller, fallback off": {p: presented{cert: leaf("svc-ops"), verified: true}, tokens: true, mtls: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"certificate cn is a token caller, fallback on":  {p: presented{cert: leaf("svc-ops"), verified: true}, tokens: true, mtls: true, cn: true, account: "AID-1111111", code: codes.PermissionDenied, caller: "cn:svc-ops"},
	"certificate cn spells a token identity":         {p: presented{cert: leaf("token:svc-ops"), verified: true}, tokens: true, mtls: true, cn: true, account: "AID-1111111", code: codes.PermissionDenied, caller: "cn:token:svc-ops"},
	// A certificate whose URI SAN is a token caller's name or identity:
	"certificate san is a token identity":      {p: presented{cert: leaf("svc-ops", "token:svc-ops"), verified: true}, tokens: true, mtls: true, cn: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"certificate san is a token caller's name": {p: presented{cert: leaf("svc-ops", "svc-ops"), verified: true}, tokens: true, mtls: true, cn: true, account: "AID-1111111", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"certificate san claims the cn namespace":  {p: presented{cert: leaf("x", "cn:svc-legacy"), verified: true}, mtls: true, cn: true, account: "AID-4444444", code: codes.Unauthenticated, failure: auth.FailureNoIdentity},
	"header ignored with tokens off":           {p: presented{authz: []string{"Basic c3ZjOnB3"}, cert: billingCert, verified: true}, mtls: true, account: "AID-1111111", code: codes.OK, caller: "spiffe://corp/billing"},
}

// chain runs the two interceptors as the server places them, around a
// validation stand-in and a handler that records the caller it saw.
func chain(a *auth.Auth, method string) (grpc.UnaryHandler, *string) {
	var seen string
	handler := func(ctx context.Context, _ any) (any, error) {
		id, _ := auth.IdentityFrom(ctx)
		seen = id.Caller
		return &webhookv1.CreateWebhookResponse{}, nil
	}
	info := &grpc.UnaryServerInfo{FullMethod: method}
	authorize, authenticate := a.Authorize(), a.Authenticate()
	validated := func(ctx context.Context, req any) (any, error) { return authorize(ctx, req, info, handler) }
	return func(ctx context.Context, req any) (any, error) { return authenticate(ctx, req, info, validated) }, &seen
}

func checkStatus(t *testing.T, err error, code codes.Code, wantFailure auth.Failure, caller, account string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code {
		t.Fatalf("code = %v (%s), want %v", st.Code(), st.Message(), code)
	}
	if code == codes.OK {
		return
	}
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info == nil || info.GetDomain() != failure.ErrorDomain {
		t.Fatalf("no ErrorInfo of our domain: %v", st.Details())
	}
	switch code {
	case codes.Unauthenticated:
		if info.GetReason() != auth.ReasonUnauthenticated || info.GetMetadata()[auth.MetadataFailure] != string(wantFailure) {
			t.Errorf("ErrorInfo = %v, want %s with failure %s", info, auth.ReasonUnauthenticated, wantFailure)
		}
	case codes.PermissionDenied:
		if info.GetReason() != auth.ReasonAccountNotAllowed || info.GetMetadata()[auth.MetadataCaller] != caller || info.GetMetadata()[auth.MetadataAccountID] != account {
			t.Errorf("ErrorInfo = %v, want %s for %s on %s", info, auth.ReasonAccountNotAllowed, caller, account)
		}
	}
	for _, secret := range []string{opsToken, otherToken, wrongToken, "c3ZjOnB3"} {
		if strings.Contains(st.Message(), secret) || strings.Contains(fmt.Sprint(info), secret) {
			t.Errorf("the error carries a credential: %v", st.Proto())
		}
	}
}

func TestInterceptorsOverGRPC(t *testing.T) {
	t.Parallel()
	for name, tc := range authCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			obs := newCounter()
			var hooked string
			cfg := auth.Config{MTLS: tc.mtls, CertCNFallback: tc.cn, Policy: policy(t, tc.cn), Observer: obs,
				OnAuthenticated: func(_ context.Context, id auth.Identity) { hooked = id.Caller }}
			if tc.tokens {
				cfg.Tokens = tokensFile(t)
			}
			a, err := auth.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			call, seen := chain(a, webhookv1.WebhookService_CreateWebhook_FullMethodName)
			_, err = call(tc.p.grpcContext(), &webhookv1.CreateWebhookRequest{AccountId: tc.account})
			checkStatus(t, err, tc.code, tc.failure, tc.caller, tc.account)
			if (tc.code == codes.OK) != (*seen != "") || *seen != map[bool]string{true: tc.caller}[tc.code == codes.OK] {
				t.Errorf("the handler saw caller %q; code %v", *seen, tc.code)
			}
			if tc.code != codes.Unauthenticated && hooked != tc.caller {
				t.Errorf("OnAuthenticated got %q, want %q", hooked, tc.caller)
			}
			wantDecisions := map[codes.Code]string{codes.OK: auth.DecisionAllow, codes.PermissionDenied: auth.DecisionDeny}
			if d, ok := wantDecisions[tc.code]; ok && (obs.decisions[d] != 1 || len(obs.decisions) != 1) {
				t.Errorf("decisions = %v, want one %s", obs.decisions, d)
			}
			if tc.code == codes.Unauthenticated && (obs.failures[tc.failure] != 1 || len(obs.decisions) != 0) {
				t.Errorf("failures = %v, decisions = %v; want one %s and no decision", obs.failures, obs.decisions, tc.failure)
			}
		})
	}
}

// TestInterceptorsOverREST: the same cases through the HTTP layer, which
// puts its credentials into the context. The gateway also copies the
// Authorization header into gRPC metadata; a planted "wrong" metadata
// value proves that the HTTP credentials, not the metadata, are used.
func TestInterceptorsOverREST(t *testing.T) {
	t.Parallel()
	for name, tc := range authCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := newAuthCN(t, tc.tokens, tc.mtls, tc.cn, false, nil, nil)
			call, _ := chain(a, webhookv1.WebhookService_CreateWebhook_FullMethodName)
			var err error
			h := a.HTTPCredentials(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx := metadata.NewIncomingContext(r.Context(), metadata.Pairs("authorization", "Bearer "+wrongToken))
				_, err = call(ctx, &webhookv1.CreateWebhookRequest{AccountId: tc.account})
				w.WriteHeader(http.StatusNoContent)
			}))
			h.ServeHTTP(httptest.NewRecorder(), tc.p.httpRequest())
			checkStatus(t, err, tc.code, tc.failure, tc.caller, tc.account)
		})
	}
}

func TestAuthorizeFailsClosed(t *testing.T) {
	t.Parallel()
	a := newAuth(t, true, false, false, nil, nil)
	handler := func(context.Context, any) (any, error) { return "reached", nil }
	authorize := a.Authorize()
	info := &grpc.UnaryServerInfo{FullMethod: webhookv1.WebhookService_CreateWebhook_FullMethodName}
	// No identity: Authenticate did not run.
	if _, err := authorize(context.Background(), &webhookv1.CreateWebhookRequest{AccountId: "AID-1111111"}, info, handler); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without an identity: %v", err)
	}
	// A request without an account id, on a method that is not operational.
	ctx := auth.WithIdentity(context.Background(), auth.Identity{Caller: "token:svc-ops", Method: auth.MethodToken})
	_, err := authorize(ctx, &webhookv1.CreateWebhookResponse{}, &grpc.UnaryServerInfo{FullMethod: "/telegent.webhook.v1.WebhookService/DeleteEverything"}, handler)
	if st := status.Convert(err); st.Code() != codes.PermissionDenied || !strings.Contains(fmt.Sprint(st.Details()), auth.ReasonMethodNotAllowed) {
		t.Errorf("a request without an account: %v", err)
	}
}

func TestOperationalMethods(t *testing.T) {
	t.Parallel()
	const healthCheck = "/grpc.health.v1.Health/Check"
	for _, protect := range []bool{false, true} {
		a := newAuth(t, true, false, protect, nil, nil)
		call, _ := chain(a, healthCheck)
		_, err := call(context.Background(), nil)
		if want := map[bool]codes.Code{false: codes.OK, true: codes.Unauthenticated}[protect]; status.Code(err) != want {
			t.Errorf("protect-ops %v, health without credentials: %v, want %v", protect, err, want)
		}
		_, err = call(presented{authz: []string{"Bearer " + opsToken}}.grpcContext(), nil)
		if err != nil {
			t.Errorf("protect-ops %v, health with a token: %v", protect, err)
		}
	}
}

type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s fakeStream) Context() context.Context { return s.ctx }

func TestStreamAuthenticate(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	reached := func(any, grpc.ServerStream) error { return nil }
	reflection := &grpc.StreamServerInfo{FullMethod: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"}
	anon := fakeStream{ctx: context.Background()}
	withToken := fakeStream{ctx: presented{authz: []string{"Bearer " + opsToken}}.grpcContext()}
	withWrong := fakeStream{ctx: presented{authz: []string{"Bearer " + wrongToken}}.grpcContext()}

	open := newAuth(t, true, false, false, nil, logger).StreamAuthenticate()
	if err := open(nil, anon, reflection, reached); err != nil {
		t.Errorf("reflection without --protect-ops: %v", err)
	}
	protected := newAuth(t, true, false, true, nil, logger).StreamAuthenticate()
	if err := protected(nil, anon, reflection, reached); status.Code(err) != codes.Unauthenticated {
		t.Errorf("reflection with --protect-ops, no credentials: %v", err)
	}
	if err := protected(nil, withWrong, reflection, reached); status.Code(err) != codes.Unauthenticated {
		t.Errorf("reflection with --protect-ops, wrong token: %v", err)
	}
	if err := protected(nil, withToken, reflection, func(_ any, ss grpc.ServerStream) error {
		if id, _ := auth.IdentityFrom(ss.Context()); id.Caller != "token:svc-ops" {
			t.Errorf("the stream's identity = %v", id)
		}
		return nil
	}); err != nil {
		t.Errorf("reflection with --protect-ops and a token: %v", err)
	}
	// Any other stream is refused: the policy knows no streaming method.
	other := &grpc.StreamServerInfo{FullMethod: "/telegent.webhook.v1.WebhookService/Watch"}
	if err := open(nil, withToken, other, reached); status.Code(err) != codes.PermissionDenied {
		t.Errorf("an unknown streaming method: %v", err)
	}
	if !strings.Contains(logs.String(), `"failure":"invalid_token"`) || strings.Contains(logs.String(), wrongToken) {
		t.Errorf("stream refusals log: %s", logs.String())
	}
}

func TestRequireHTTP(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	obs := newCounter()
	a := newAuth(t, true, true, true, obs, slog.New(slog.NewJSONHandler(&logs, nil)))
	metrics := a.HTTPCredentials(a.RequireHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := auth.IdentityFrom(r.Context())
		_, _ = fmt.Fprint(w, id.Caller)
	})))
	for name, tc := range map[string]struct {
		p    presented
		code int
		body string
	}{
		"no credentials": {code: http.StatusUnauthorized, body: auth.ReasonUnauthenticated},
		"wrong token":    {p: presented{authz: []string{"Bearer " + wrongToken}}, code: http.StatusUnauthorized, body: "invalid_token"},
		"token":          {p: presented{authz: []string{"Bearer " + opsToken}}, code: http.StatusOK, body: "token:svc-ops"},
		"certificate":    {p: presented{cert: billingCert, verified: true}, code: http.StatusOK, body: "spiffe://corp/billing"},
	} {
		rec := httptest.NewRecorder()
		metrics.ServeHTTP(rec, tc.p.httpRequest())
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s: %d %s, want %d with %s", name, rec.Code, rec.Body, tc.code, tc.body)
		}
		if tc.code == http.StatusUnauthorized {
			if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="telegent-facade"` {
				t.Errorf("%s: WWW-Authenticate = %q", name, got)
			}
			if err := protojson.Unmarshal(rec.Body.Bytes(), &spb.Status{}); err != nil {
				t.Errorf("%s: body is not a google.rpc.Status: %v", name, err)
			}
		}
	}
	if obs.failures[auth.FailureMissing] != 1 || obs.failures[auth.FailureInvalidToken] != 1 {
		t.Errorf("failures = %v", obs.failures)
	}
	if strings.Contains(logs.String(), wrongToken) || !strings.Contains(logs.String(), "request refused") {
		t.Errorf("logs: %s", logs.String())
	}
}

// TestChallengeReplacesStatusMessage: the gateway puts the status message
// in WWW-Authenticate; the HTTP layer replaces it with a real challenge,
// or removes it when only client certificates are accepted.
func TestChallengeReplacesStatusMessage(t *testing.T) {
	t.Parallel()
	gateway := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("WWW-Authenticate", "authentication required: present a bearer token or a client certificate")
		w.WriteHeader(http.StatusUnauthorized)
	})
	for tokens, want := range map[bool]string{true: `Bearer realm="telegent-facade"`, false: ""} {
		rec := httptest.NewRecorder()
		newAuth(t, tokens, true, false, nil, nil).HTTPCredentials(gateway).ServeHTTP(rec, presented{}.httpRequest())
		if got := rec.Header().Get("WWW-Authenticate"); got != want {
			t.Errorf("tokens %v: WWW-Authenticate = %q, want %q", tokens, got, want)
		}
	}
}

// TestCredentialsNeverPrinted: printing or logging credentials shows what
// kind they are, never the token.
func TestCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	creds := auth.CredentialsFromHTTP(presented{authz: []string{"Bearer " + opsToken}, cert: billingCert, verified: true}.httpRequest())
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("creds", slog.Any("creds", creds))
	for _, s := range []string{fmt.Sprint(creds), fmt.Sprintf("%+v", creds), fmt.Sprintf("%#v", creds), logs.String()} {
		if strings.Contains(s, opsToken) {
			t.Errorf("printed credentials show the token: %s", s)
		}
	}
	if got := creds.String(); got != "bearer token, client certificate" {
		t.Errorf("String() = %q", got)
	}
}
