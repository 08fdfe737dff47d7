package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// publishedDocument is the committed document the facade serves.
const publishedDocument = "../../gen/openapi/telegent.openapi.json"

// loadDocument parses the published document as OpenAPI 3.1 with
// libopenapi, which resolves every reference.
func loadDocument(t *testing.T) *v3.Document {
	t.Helper()
	data, err := os.ReadFile(publishedDocument)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(data)
	if err != nil {
		t.Fatalf("parse OpenAPI document: %v", err)
	}
	if v := doc.GetSpecInfo().Version; !strings.HasPrefix(v, "3.1") {
		t.Fatalf("OpenAPI version = %q, want 3.1", v)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build OpenAPI 3 model: %v", err)
	}
	return &model.Model
}

func createOperation(t *testing.T, doc *v3.Document) *v3.Operation {
	t.Helper()
	item, ok := doc.Paths.PathItems.Get("/v1/webhooks")
	if !ok || item.Post == nil {
		t.Fatal("no POST /v1/webhooks")
	}
	return item.Post
}

// TestRequestSchemaCarriesRules: the request body schema has the
// protovalidate rules a caller needs to build a valid request.
func TestRequestSchemaCarriesRules(t *testing.T) {
	t.Parallel()
	op := createOperation(t, loadDocument(t))
	media, ok := op.RequestBody.Content.Get("application/json")
	if !ok {
		t.Fatal("request body has no application/json")
	}
	req := media.Schema.Schema()
	for _, f := range []string{"accountId", "webhookUrl", "subscribedEvents"} {
		if !slices.Contains(req.Required, f) {
			t.Errorf("required = %v, lacks %s", req.Required, f)
		}
	}
	prop := func(name string) *base.Schema {
		p, ok := req.Properties.Get(name)
		if !ok {
			t.Fatalf("no property %s", name)
		}
		return p.Schema()
	}
	if s := prop("accountId"); s.MaxLength == nil || *s.MaxLength != 100 || s.Pattern != "^AID-[A-Za-z0-9]+$" {
		t.Errorf("accountId: maxLength %v, pattern %q", s.MaxLength, s.Pattern)
	}
	if s := prop("webhookUrl"); s.MaxLength == nil || *s.MaxLength != 255 {
		t.Errorf("webhookUrl: maxLength %v", s.MaxLength)
	}
	for _, f := range []string{"authenticationUsername", "authenticationPassword", "authenticationToken"} {
		if s := prop(f); !strings.Contains(s.Pattern, `\p{Cc}\p{Cf}`) {
			t.Errorf("%s: pattern %q does not refuse control and format characters", f, s.Pattern)
		}
	}
	if s := prop("requestId"); s.Pattern == "" {
		t.Error("requestId has no UUID pattern")
	}
	events := prop("subscribedEvents")
	if events.MinItems == nil || *events.MinItems != 1 || events.UniqueItems == nil || !*events.UniqueItems {
		t.Errorf("subscribedEvents: minItems %v, uniqueItems %v", events.MinItems, events.UniqueItems)
	}

	// Enums list what the service accepts: UNSPECIFIED is a refused event,
	// but an accepted method (meaning the default, POST).
	eventNames := enumNames(events.Items.A.Schema())
	if slices.Contains(eventNames, "WEBHOOK_EVENT_UNSPECIFIED") || !slices.Contains(eventNames, "WEBHOOK_EVENT_NEW_SMS") {
		t.Errorf("subscribedEvents items accept %v", eventNames)
	}
	methodNames := enumNames(prop("method"))
	if !slices.Contains(methodNames, "HTTP_METHOD_UNSPECIFIED") || !slices.Contains(methodNames, "HTTP_METHOD_PUT") {
		t.Errorf("method accepts %v", methodNames)
	}
}

// enumNames lists the string values a schema accepts, through anyOf
// branches: enum lists and single-value patterns.
func enumNames(s *base.Schema) []string {
	var names []string
	for _, e := range s.Enum {
		names = append(names, e.Value)
	}
	if s.Pattern != "" {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(s.Pattern, "^"), "$"))
	}
	for _, b := range s.AnyOf {
		names = append(names, enumNames(b.Schema())...)
	}
	return names
}

// TestErrorAnswersAreTyped: each documented error status answers a
// google.rpc.Status whose details name BadRequest, ErrorInfo and RetryInfo.
func TestErrorAnswersAreTyped(t *testing.T) {
	t.Parallel()
	op := createOperation(t, loadDocument(t))
	for _, code := range []string{"400", "401", "403", "404", "409", "413", "415", "429", "500", "503", "504"} {
		resp, ok := op.Responses.Codes.Get(code)
		if !ok {
			t.Errorf("no %s answer", code)
			continue
		}
		media, ok := resp.Content.Get("application/json")
		if !ok {
			t.Errorf("%s: no application/json body", code)
			continue
		}
		status := media.Schema.Schema()
		for _, f := range []string{"code", "message", "details"} {
			if _, ok := status.Properties.Get(f); !ok {
				t.Errorf("%s: body has no %s: not a google.rpc.Status", code, f)
			}
		}
		details, _ := status.Properties.Get("details")
		var types []string
		for _, b := range details.Schema().Items.A.Schema().OneOf {
			if at, ok := b.Schema().Properties.Get("@type"); ok && at.Schema().Const != nil {
				types = append(types, at.Schema().Const.Value)
			}
		}
		for _, want := range []string{"google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo"} {
			if !slices.Contains(types, "type.googleapis.com/"+want) {
				t.Errorf("%s: details %v lack %s", code, types, want)
			}
		}
	}
	if _, ok := op.Responses.Codes.Get("200"); !ok {
		t.Error("no 200 answer")
	}
}

// TestBearerSecurityScheme: the document declares the bearer scheme and
// lets calls go without it (authentication is optional).
func TestBearerSecurityScheme(t *testing.T) {
	t.Parallel()
	doc := loadDocument(t)
	var bearer string
	for name, s := range doc.Components.SecuritySchemes.FromOldest() {
		if s.Type == "http" && strings.EqualFold(s.Scheme, "bearer") {
			bearer = name
		}
	}
	if bearer == "" {
		t.Fatal("no http bearer security scheme")
	}
	var withBearer, optional bool
	for _, req := range doc.Security {
		if req.Requirements == nil || req.Requirements.Len() == 0 {
			optional = true
		} else if _, ok := req.Requirements.Get(bearer); ok {
			withBearer = true
		}
	}
	if !withBearer || !optional {
		t.Errorf("security: bearer %v, optional %v", withBearer, optional)
	}
}

// TestDocumentGeneratesCleanClients: what client generators read from the
// document matches the wire. No schema has a default (openapi-typescript
// makes such request fields required); every enum is a string enum of
// names, never a number; error details are a oneOf told apart by "@type";
// every operation documents every error status with its body and carries
// examples, none of them with an unset (UNSPECIFIED) value.
func TestDocumentGeneratesCleanClients(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(publishedDocument)
	if err != nil {
		t.Fatal(err)
	}
	var doc object
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	components := doc["components"].(object)
	walk(components["schemas"], func(o object) {
		if _, ok := o["default"]; ok {
			t.Errorf("schema with a default: %v", o)
		}
		if enum, ok := o["enum"].([]any); ok {
			if o["type"] != "string" {
				t.Errorf("enum %v is not a string enum", enum)
			}
			for _, v := range enum {
				if _, ok := v.(string); !ok {
					t.Errorf("enum %v holds %v", enum, v)
				}
			}
		}
		for _, b := range asList(o["anyOf"]) {
			if b.(object)["enum"] != nil {
				t.Errorf("enum as anyOf: %v", o)
			}
		}
	})
	events := components["schemas"].(object)["telegent.webhook.v1.CreateWebhookRequest"].(object)["properties"].(object)["subscribedEvents"].(object)["items"].(object)["enum"]
	if slices.Contains(asList(events), any("WEBHOOK_EVENT_UNSPECIFIED")) {
		t.Error("subscribedEvents offers WEBHOOK_EVENT_UNSPECIFIED, which is refused")
	}

	items := components["schemas"].(object)["google.rpc.Status"].(object)["properties"].(object)["details"].(object)["items"].(object)
	disc, _ := items["discriminator"].(object)
	if disc["propertyName"] != "@type" || len(asList(items["oneOf"])) != len(disc["mapping"].(object)) {
		t.Errorf("details are not a oneOf with a discriminator on @type: %v", items)
	}
	for _, want := range []string{"google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo", "buf.validate.Violations"} {
		if _, ok := disc["mapping"].(object)["type.googleapis.com/"+want]; !ok {
			t.Errorf("details mapping lacks %s", want)
		}
	}

	ops := 0
	for path, item := range doc["paths"].(object) {
		for method, op := range item.(object) {
			op := op.(object)
			ops++
			responses := op["responses"].(object)
			for _, code := range []string{"200", "400", "401", "403", "404", "409", "413", "415", "429", "500", "503", "504"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("%s %s: no %s answer", method, path, code)
				}
			}
			ok := responses["200"].(object)["content"].(object)["application/json"].(object)
			examples := []any{ok["example"]}
			if body, found := op["requestBody"].(object); found {
				examples = append(examples, body["content"].(object)["application/json"].(object)["example"])
			}
			for _, ex := range examples {
				raw, _ := json.Marshal(ex)
				if ex == nil || strings.Contains(string(raw), "_UNSPECIFIED") {
					t.Errorf("%s %s: example %s missing or unset", method, path, raw)
				}
			}
		}
	}
	if ops != 6 {
		t.Errorf("%d operations, want 6: create (two routes), get, list, update, delete", ops)
	}
	for name, r := range components["responses"].(object) {
		if r.(object)["content"].(object)["application/json"].(object)["schema"] == nil {
			t.Errorf("%s: no body", name)
		}
	}
}
