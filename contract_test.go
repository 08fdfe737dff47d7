package telegentfacade_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	telegentfacade "github.com/platform/telegent-facade"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// TestDescriptorSetIsSelfContained: gen/telegent-facade.binpb, which
// callers in other languages generate from, resolves on its own (every
// import is in it), carries the google.rpc error details, and describes the
// same service as the Go code generated from the proto.
func TestDescriptorSetIsSelfContained(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("gen/telegent-facade.binpb")
	if err != nil {
		t.Fatal(err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		t.Fatalf("unmarshal descriptor set: %v", err)
	}
	// NewFiles resolves against the set alone, not the global registry:
	// a missing import fails here.
	files, err := protodesc.NewFiles(&set)
	if err != nil {
		t.Fatalf("descriptor set does not resolve on its own: %v", err)
	}
	for _, name := range []string{
		"telegent/webhook/v1/webhook.proto",
		"buf/validate/validate.proto",
		"google/api/annotations.proto",
		"google/rpc/status.proto",
		"google/rpc/error_details.proto",
	} {
		if _, err := files.FindFileByPath(name); err != nil {
			t.Errorf("descriptor set lacks %s: %v", name, err)
		}
	}
	for _, name := range []string{"google.rpc.Status", "google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo"} {
		if _, err := files.FindDescriptorByName(protoreflect.FullName(name)); err != nil {
			t.Errorf("descriptor set lacks %s: %v", name, err)
		}
	}
	for _, f := range set.GetFile() {
		// The comments travel with the set, so that the clients generated
		// from it document the contract.
		if f.GetName() == "telegent/webhook/v1/webhook.proto" && len(f.GetSourceCodeInfo().GetLocation()) == 0 {
			t.Errorf("%s carries no source info: the clients generated from the set would lose its comments", f.GetName())
		}
		for _, dep := range f.GetDependency() {
			if dep == "protoc-gen-openapiv2/options/annotations.proto" {
				t.Errorf("%s imports OpenAPI options", f.GetName())
			}
		}
	}

	// The set's webhook.proto is the one the Go code was generated from.
	var inSet *descriptorpb.FileDescriptorProto
	for _, f := range set.GetFile() {
		if f.GetName() == "telegent/webhook/v1/webhook.proto" {
			inSet = f
		}
	}
	compiled := protodesc.ToFileDescriptorProto(webhookv1.File_telegent_webhook_v1_webhook_proto)
	inSet = proto.CloneOf(inSet)
	inSet.SourceCodeInfo = nil // the generated Go code embeds none
	if !proto.Equal(inSet, compiled) {
		t.Error("gen/telegent-facade.binpb is out of date with the generated Go code: run make generate")
	}
}

// TestServedOpenAPIIsTheGeneratedDocument: /openapi.json serves the
// OpenAPI 3.1 document generated from the proto.
func TestServedOpenAPIIsTheGeneratedDocument(t *testing.T) {
	t.Parallel()
	onDisk, err := os.ReadFile("gen/openapi/telegent.openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(telegentfacade.OpenAPI, onDisk) {
		t.Error("telegentfacade.OpenAPI is not gen/openapi/telegent.openapi.json")
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(telegentfacade.OpenAPI, &doc); err != nil {
		t.Fatalf("parse OpenAPI document: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if _, ok := doc.Paths["/v1/webhooks"]; !ok {
		t.Errorf("paths = %v, want /v1/webhooks", doc.Paths)
	}
}
