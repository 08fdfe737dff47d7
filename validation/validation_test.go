package validation_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/descriptorpb"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/validation"
)

func newValidator(t testing.TB) *validation.Validator {
	t.Helper()
	v, err := validation.New(&webhookv1.CreateWebhookRequest{})
	if err != nil {
		t.Fatalf("every rule must compile: %v", err)
	}
	return v
}

// TestRulesCompile builds the validator eagerly (no lazy compilation), which
// compiles every CEL expression in the contract: a broken rule fails here.
func TestRulesCompile(t *testing.T) {
	t.Parallel()
	newValidator(t)
	if _, err := validation.New(); err == nil {
		t.Fatal("New with no message types: want error")
	}
}

func valid() *webhookv1.CreateWebhookRequest {
	return &webhookv1.CreateWebhookRequest{
		AccountId:          "AID-1234567",
		WebhookUrl:         "https://api.example.com/telegent/events",
		Method:             webhookv1.HttpMethod_HTTP_METHOD_POST,
		DataFormat:         webhookv1.DataFormat_DATA_FORMAT_JSON,
		AuthenticationType: webhookv1.AuthenticationType_AUTHENTICATION_TYPE_NONE,
		SubscribedEvents:   []webhookv1.WebhookEvent{webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE},
	}
}

func with(mutate func(r *webhookv1.CreateWebhookRequest)) *webhookv1.CreateWebhookRequest {
	r := valid()
	mutate(r)
	return r
}

func basic(r *webhookv1.CreateWebhookRequest) {
	r.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_BASIC
	r.AuthenticationUsername = "webhook_user"
	r.AuthenticationPassword = "s3cureP@ss"
}

func token(r *webhookv1.CreateWebhookRequest) {
	r.AuthenticationType = webhookv1.AuthenticationType_AUTHENTICATION_TYPE_TOKEN
	r.AuthenticationToken = "hook-token-123"
}

func TestValidRequests(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for name, req := range map[string]*webhookv1.CreateWebhookRequest{
		"none":         valid(),
		"basic":        with(basic),
		"token":        with(token),
		"all defaults": with(func(r *webhookv1.CreateWebhookRequest) { r.Method, r.DataFormat, r.AuthenticationType = 0, 0, 0 }),
		"put xml":      with(func(r *webhookv1.CreateWebhookRequest) { r.Method, r.DataFormat = 2, 2 }),
		"every event": with(func(r *webhookv1.CreateWebhookRequest) {
			r.SubscribedEvents = []webhookv1.WebhookEvent{1, 2, 3, 4, 5, 6, 7}
		}),
		"url with port, query": with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://hooks.example.com:8443/in?x=1" }),
		"ipv6 host":            with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2606:4700::1111]/hook" }),
		"public ipv4 host":     with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://8.8.8.8:443/hook" }),
		"ipv4-mapped public":   with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:808:808]/hook" }),
		// Global entries of IANA's special-purpose registries.
		"pcp anycast":     with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://192.0.0.9/hook" }),
		"turn anycast":    with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://192.0.0.10/hook" }),
		"nat64 public":    with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[64:ff9b::808:808]/hook" }),
		"6to4 public":     with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2002:808:808::1]/hook" }),
		"as112-v6":        with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001:4:112::1]/hook" }),
		"highest port":    with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://hooks.example.com:65535/" }),
		"five-digit port": with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://hooks.example.com:59999" }),
		"port 0 padded":   with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://hooks.example.com:08443#f" }),
		"localhost in path": with(func(r *webhookv1.CreateWebhookRequest) {
			r.WebhookUrl = "https://example.com/localhost/127.0.0.1/..?x=a..b"
		}),
		"name like localhost": with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://localhost-hooks.example.com/" }),
		"digits in labels":    with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://10.example.com/" }),
		"request id":          with(func(r *webhookv1.CreateWebhookRequest) { r.RequestId = "8a1b7c5e-2f0d-4c3a-9b6e-1d2f3a4b5c6d" }),
		"unicode secrets": with(func(r *webhookv1.CreateWebhookRequest) {
			basic(r)
			r.AuthenticationUsername = "usér名"
			r.AuthenticationPassword = "pässwörd 🔑"
		}),
		"max lengths": with(func(r *webhookv1.CreateWebhookRequest) {
			basic(r)
			r.AccountId = "AID-" + strings.Repeat("7", 96)
			r.WebhookUrl = "https://example.com/" + strings.Repeat("a", 235)
			r.AuthenticationUsername = strings.Repeat("u", 255)
			r.AuthenticationPassword = strings.Repeat("p", 255)
		}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := v.Validate(req); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

// violation is one broken rule: the request field it names and its rule id.
type violation struct{ field, rule string }

func TestEachRuleRejects(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	events := func(e ...webhookv1.WebhookEvent) func(*webhookv1.CreateWebhookRequest) {
		return func(r *webhookv1.CreateWebhookRequest) { r.SubscribedEvents = e }
	}

	tests := map[string]struct {
		mutate func(*webhookv1.CreateWebhookRequest)
		want   violation
	}{
		"account_id missing":        {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "" }, violation{"account_id", "required"}},
		"account_id wrong prefix":   {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "ACC-1234567" }, violation{"account_id", "account_id.format"}},
		"account_id bad characters": {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "AID-12 34" }, violation{"account_id", "account_id.format"}},
		"account_id too long":       {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "AID-" + strings.Repeat("1", 97) }, violation{"account_id", "string.max_len"}},
		"webhook_url missing":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "" }, violation{"webhook_url", "required"}},
		"webhook_url not a uri":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "not a url" }, violation{"webhook_url", "string.uri"}},
		"webhook_url plain http":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "http://example.com/hook" }, violation{"webhook_url", "webhook_url.https"}},
		"webhook_url relative":      {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "/hook" }, violation{"webhook_url", "string.uri"}},
		"webhook_url no host":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https:///hook" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url user info":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://u:p@example.com/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url too long":      {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com/" + long(236) }, violation{"webhook_url", "string.max_len"}},
		"webhook_url host of dots":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://.../" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url leading dot":   {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://.example.com/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url doubled dot":   {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://a..example.com/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url trailing dot":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com.:8443/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url port 65536":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com:65536/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url port 65540":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com:65540/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url port 66000":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com:66000/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url port 99999":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com:99999" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url ipv6 port":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001:db8::1]:70000/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url port 6 digits": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com:100000/" }, violation{"webhook_url", "webhook_url.host"}},
		"webhook_url localhost":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://localhost/hook" }, violation{"webhook_url", "webhook_url.not_localhost"}},
		"webhook_url LOCALHOST":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://LocalHost:8443" }, violation{"webhook_url", "webhook_url.not_localhost"}},
		"webhook_url under localhost": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://api.localhost?x" },
			violation{"webhook_url", "webhook_url.not_localhost"}},
		"webhook_url ipv4 loopback":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://127.0.0.1/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 loopback /8": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://127.9.9.9:8443/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 private 10":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://10.1.2.3/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 private 172": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://172.16.0.1/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 private 192": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://192.168.1.1/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 link-local":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://169.254.169.254/latest" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 unspecified": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://0.0.0.0/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4 this network": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://0.1.2.3/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv6 loopback":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::1]/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv6 unspecified": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::]:443/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv6 private":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[fd00::1]/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv6 link-local":  {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[fe80::1]/" }, violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4-mapped loopback": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:7f00:1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		// protovalidate's URI rule refuses the dotted form of a mapped
		// address outright.
		"webhook_url ipv4-mapped dotted": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:127.0.0.1]/" },
			violation{"webhook_url", "string.uri"}},
		"webhook_url ipv4-mapped private hex": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:a00:1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url shared address space": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://100.64.0.1/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url cloud metadata": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://100.100.100.200/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ietf protocol assignment": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://192.0.0.8/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url benchmarking": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://198.18.0.1/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url reserved": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://240.0.0.1/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url limited broadcast": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://255.255.255.255/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url documentation ipv4": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://203.0.113.7/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url multicast ipv4": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://224.0.0.251/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url nat64 private": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[64:ff9b::a00:1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url local-use nat64": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[64:ff9b:1::a00:1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url 6to4 private": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2002:a00:1::]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url site-local": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[fec0::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4-translated private": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::ffff:0:a00:1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url ipv4-compatible": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[::808:808]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url discard-only": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[100::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url documentation ipv6": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001:db8::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url documentation 3fff": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[3fff::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url teredo": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url multicast ipv6": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[ff02::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url srv6": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[5f00::1]/" },
			violation{"webhook_url", "webhook_url.public_ip"}},
		"webhook_url short ipv4":   {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://127.1/" }, violation{"webhook_url", "webhook_url.numeric_host"}},
		"webhook_url decimal ipv4": {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://2130706433/" }, violation{"webhook_url", "webhook_url.numeric_host"}},
		"webhook_url hex ipv4":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://0x7f.0.0.0x1/" }, violation{"webhook_url", "webhook_url.numeric_host"}},
		"webhook_url octal ipv4":   {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://0177.0.0.01/" }, violation{"webhook_url", "webhook_url.numeric_host"}},
		"method undefined":         {func(r *webhookv1.CreateWebhookRequest) { r.Method = 9 }, violation{"method", "enum.defined_only"}},
		"data_format undefined":    {func(r *webhookv1.CreateWebhookRequest) { r.DataFormat = 9 }, violation{"data_format", "enum.defined_only"}},
		"authentication_type undefined": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationType = 9 },
			violation{"authentication_type", "enum.defined_only"}},
		"basic without username": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "" },
			violation{"authentication_username", "authentication_username.required_for_basic"}},
		"basic without password": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = "" },
			violation{"authentication_password", "authentication_password.required_for_basic"}},
		"token without token": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = "" },
			violation{"authentication_token", "authentication_token.required_for_token"}},
		"none with username": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationUsername = "u" },
			violation{"authentication_username", "authentication_username.unused"}},
		"none with password": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationPassword = "p" },
			violation{"authentication_password", "authentication_password.unused"}},
		"unspecified with token": {func(r *webhookv1.CreateWebhookRequest) { r.AuthenticationType = 0; r.AuthenticationToken = "t" },
			violation{"authentication_token", "authentication_token.unused"}},
		"basic with token": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationToken = "t" },
			violation{"authentication_token", "authentication_token.unused"}},
		"token with password": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationPassword = "p" },
			violation{"authentication_password", "authentication_password.unused"}},
		"token with username": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationUsername = "u" },
			violation{"authentication_username", "authentication_username.unused"}},
		"username too long": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = long(256) },
			violation{"authentication_username", "string.max_len"}},
		"username with colon": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "a:b" },
			violation{"authentication_username", "string.not_contains"}},
		"username with control character": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "a\nb" },
			violation{"authentication_username", "authentication_username.printable"}},
		"password too long": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = long(256) },
			violation{"authentication_password", "string.max_len"}},
		"password with control character": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = "p\x00w" },
			violation{"authentication_password", "authentication_password.printable"}},
		"token too long": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = long(256) },
			violation{"authentication_token", "string.max_len"}},
		"token with control character": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = "t\x7f" },
			violation{"authentication_token", "authentication_token.printable"}},
		"username with C1 control": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "a\u0085b" },
			violation{"authentication_username", "authentication_username.printable"}},
		"username with bidi override": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "admin\u202Etxt" },
			violation{"authentication_username", "authentication_username.printable"}},
		"username with bidi isolate": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "a\u2066b" },
			violation{"authentication_username", "authentication_username.printable"}},
		"username with zero-width joiner": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationUsername = "a\u200Db" },
			violation{"authentication_username", "authentication_username.printable"}},
		"password with C1 control": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = "p\u009Bw" },
			violation{"authentication_password", "authentication_password.printable"}},
		"password with byte order mark": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = "\uFEFFpw" },
			violation{"authentication_password", "authentication_password.printable"}},
		"token with right-to-left mark": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = "t\u200Fk" },
			violation{"authentication_token", "authentication_token.printable"}},
		"token with C1 control": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = "t\u0080" },
			violation{"authentication_token", "authentication_token.printable"}},
		"request_id not a uuid": {func(r *webhookv1.CreateWebhookRequest) { r.RequestId = "retry-1" }, violation{"request_id", "string.uuid"}},
		"request_id uuid without dashes": {func(r *webhookv1.CreateWebhookRequest) { r.RequestId = "8a1b7c5e2f0d4c3a9b6e1d2f3a4b5c6d" },
			violation{"request_id", "string.uuid"}},
		"no events":         {events(), violation{"subscribed_events", "repeated.min_items"}},
		"duplicate events":  {events(1, 2, 1), violation{"subscribed_events", "repeated.unique"}},
		"unspecified event": {events(0), violation{"subscribed_events[0]", "enum.not_in"}},
		"undefined event":   {events(1, 42), violation{"subscribed_events[1]", "enum.defined_only"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := with(tc.mutate)
			assertViolation(t, v.Validate(req), tc.want)
		})
	}
}

// assertViolation checks that err is INVALID_ARGUMENT, names the field in
// its message, and carries the violation in both the standard BadRequest
// detail and protovalidate's own detail.
func assertViolation(t *testing.T, err error, want violation) {
	t.Helper()
	if err == nil {
		t.Fatalf("Validate: no error, want %v", want)
	}
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("code = %v, want InvalidArgument (%v)", st.Code(), err)
	}
	if !strings.Contains(st.Message(), want.field) {
		t.Errorf("message %q does not name field %q", st.Message(), want.field)
	}
	var br *errdetails.BadRequest
	var vs *validate.Violations
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			br = d
		case *validate.Violations:
			vs = d
		}
	}
	if br == nil || vs == nil {
		t.Fatalf("details = %v, want BadRequest and buf.validate.Violations", st.Details())
	}
	if len(br.GetFieldViolations()) != len(vs.GetViolations()) {
		t.Errorf("BadRequest has %d violations, Violations has %d", len(br.GetFieldViolations()), len(vs.GetViolations()))
	}
	var got []violation
	for _, fv := range br.GetFieldViolations() {
		got = append(got, violation{fv.GetField(), fv.GetReason()})
		if fv.GetDescription() == "" {
			t.Errorf("violation %s/%s has no description", fv.GetField(), fv.GetReason())
		}
		if want.field == fv.GetField() && want.rule == fv.GetReason() {
			return
		}
	}
	t.Errorf("violations = %v, want one with field %q and rule %q", got, want.field, want.rule)
}

// TestSecretsNotInErrors: a violation on a secret field must not echo the
// secret value.
func TestSecretsNotInErrors(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	const secret = "hunter2-very-secret"
	req := with(func(r *webhookv1.CreateWebhookRequest) {
		r.AuthenticationPassword = secret + strings.Repeat("x", 300)
		r.AuthenticationToken = secret + "\x01"
	})
	err := v.Validate(req)
	if err == nil {
		t.Fatal("want error")
	}
	st := status.Convert(err)
	if strings.Contains(st.Message(), secret) {
		t.Errorf("status message leaks the secret: %q", st.Message())
	}
	for _, d := range st.Proto().GetDetails() {
		if strings.Contains(string(d.GetValue()), secret) {
			t.Errorf("detail %s leaks the secret", d.GetTypeUrl())
		}
	}
}

// TestSecretFieldsAreMarkedRedacted: exactly the password and token carry
// debug_redact, which the service's logging honours.
func TestSecretFieldsAreMarkedRedacted(t *testing.T) {
	t.Parallel()
	var redacted []string
	fields := (&webhookv1.CreateWebhookRequest{}).ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Options().(*descriptorpb.FieldOptions).GetDebugRedact() {
			redacted = append(redacted, string(fd.Name()))
		}
	}
	want := []string{"authentication_password", "authentication_token"}
	if !slices.Equal(redacted, want) {
		t.Errorf("fields with debug_redact = %v, want %v", redacted, want)
	}
}

// TestMalformedURLReportedOnce: a URL that protovalidate refuses is not
// judged again by the host check, and a URL the host check refuses carries
// exactly that one violation.
func TestMalformedURLReportedOnce(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for url, want := range map[string]int{
		"https://u:p@127.0.0.1/": 1,
		"https://127.0.0.1/":     1,
		"https://127.1.":         1,
	} {
		st := status.Convert(v.Validate(with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = url })))
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) != want {
				t.Errorf("%s: %d violations (%v), want %d", url, len(br.GetFieldViolations()), br.GetFieldViolations(), want)
			}
		}
	}
}

// TestHostCheckAddsToOtherViolations: the host check's violation joins the
// proto rules' violations of other fields in one answer.
func TestHostCheckAddsToOtherViolations(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	err := v.Validate(with(func(r *webhookv1.CreateWebhookRequest) {
		r.WebhookUrl = "https://192.168.0.10/"
		r.AccountId = ""
	}))
	assertViolation(t, err, violation{"webhook_url", "webhook_url.public_ip"})
	assertViolation(t, err, violation{"account_id", "required"})
}
