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
		"ipv6 host":            with(func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://[2001:db8::1]/hook" }),
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
		"account_id wrong prefix":   {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "ACC-1234567" }, violation{"account_id", "string.pattern"}},
		"account_id bad characters": {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "AID-12 34" }, violation{"account_id", "string.pattern"}},
		"account_id too long":       {func(r *webhookv1.CreateWebhookRequest) { r.AccountId = "AID-" + strings.Repeat("1", 97) }, violation{"account_id", "string.max_len"}},
		"webhook_url missing":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "" }, violation{"webhook_url", "required"}},
		"webhook_url not a uri":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "not a url" }, violation{"webhook_url", "string.uri"}},
		"webhook_url plain http":    {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "http://example.com/hook" }, violation{"webhook_url", "string.prefix"}},
		"webhook_url relative":      {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "/hook" }, violation{"webhook_url", "string.prefix"}},
		"webhook_url no host":       {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https:///hook" }, violation{"webhook_url", "string.pattern"}},
		"webhook_url user info":     {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://u:p@example.com/" }, violation{"webhook_url", "string.pattern"}},
		"webhook_url too long":      {func(r *webhookv1.CreateWebhookRequest) { r.WebhookUrl = "https://example.com/" + long(236) }, violation{"webhook_url", "string.max_len"}},
		"method undefined":          {func(r *webhookv1.CreateWebhookRequest) { r.Method = 9 }, violation{"method", "enum.defined_only"}},
		"data_format undefined":     {func(r *webhookv1.CreateWebhookRequest) { r.DataFormat = 9 }, violation{"data_format", "enum.defined_only"}},
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
			violation{"authentication_username", "string.pattern"}},
		"password too long": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = long(256) },
			violation{"authentication_password", "string.max_len"}},
		"password with control character": {func(r *webhookv1.CreateWebhookRequest) { basic(r); r.AuthenticationPassword = "p\x00w" },
			violation{"authentication_password", "string.pattern"}},
		"token too long": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = long(256) },
			violation{"authentication_token", "string.max_len"}},
		"token with control character": {func(r *webhookv1.CreateWebhookRequest) { token(r); r.AuthenticationToken = "t\x7f" },
			violation{"authentication_token", "string.pattern"}},
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
