package validation_test

import (
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/platform/telegent-facade/validation"
)

// TestBrokenRuleFailsNew proves that New really compiles rules: a message
// whose CEL rule does not compile is refused at start-up.
func TestBrokenRuleFailsNew(t *testing.T) {
	t.Parallel()
	for name, expr := range map[string]string{
		"ok":            "this.name != ''",
		"syntax error":  "this.name !=",
		"unknown field": "this.nope == ''",
		"wrong type":    "this.name + 1",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := validation.New(messageWithRule(t, expr))
			if (err == nil) != (name == "ok") {
				t.Fatalf("New with rule %q: err = %v", expr, err)
			}
			if err != nil && !strings.Contains(err.Error(), "compile rules") {
				t.Errorf("error %q does not say it is a compilation problem", err)
			}
		})
	}
}

// messageWithRule builds, at run time, a message type with one string field
// and one message-level CEL rule.
func messageWithRule(t *testing.T, expr string) proto.Message {
	t.Helper()
	opts := &descriptorpb.MessageOptions{}
	proto.SetExtension(opts, validate.E_Message, &validate.MessageRules{
		Cel: []*validate.Rule{{Id: proto.String("test.rule"), Expression: proto.String(expr)}},
	})
	file := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("compiletest/" + strings.ReplaceAll(t.Name(), "/", "_") + ".proto"),
		Package:    proto.String("compiletest"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"buf/validate/validate.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{
			Name:    proto.String("Msg"),
			Options: opts,
			Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("name"), JsonName: proto.String("name"), Number: proto.Int32(1),
				Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			}},
		}},
	}
	fd, err := protodesc.NewFile(file, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	return dynamicpb.NewMessage(fd.Messages().Get(0))
}
