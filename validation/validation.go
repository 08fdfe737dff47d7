// Package validation enforces the protovalidate rules declared in the proto
// contract and turns their violations into standard gRPC error details.
//
// The rules themselves live in proto/telegent/webhook/v1/webhook.proto; this
// package builds the validator once, warms it, adds the one check the proto
// cannot express (the IP ranges a webhook host must not be in, see
// RuleWebhookURLPublicIP), and reports violations as
// INVALID_ARGUMENT with both a google.rpc.BadRequest detail (readable by any
// gRPC client) and the buf.validate.Violations detail (for clients that link
// protovalidate).
package validation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// Validator validates messages against their declared rules. It is safe for
// concurrent use and is meant to be built once at start-up.
type Validator struct {
	v protovalidate.Validator
}

// New builds a validator and compiles, up front, every rule of the given
// message types (the requests of our own services), so that a broken CEL
// expression fails start-up, not a caller, and their first request pays no
// compilation cost. Other messages (health checks, say) are still checked,
// their rules compiled on first use.
func New(messages ...proto.Message) (*Validator, error) {
	if len(messages) == 0 {
		return nil, errors.New("build validator: no message types given")
	}
	v, err := protovalidate.New(protovalidate.WithMessages(messages...))
	if err != nil {
		return nil, fmt.Errorf("build validator: %w", err)
	}
	// protovalidate keeps a rule's compilation error until the first
	// Validate; evaluating an empty message of each type surfaces it now.
	for _, m := range messages {
		err := v.Validate(m.ProtoReflect().Type().New().Interface())
		var verr *protovalidate.ValidationError
		if err != nil && !errors.As(err, &verr) {
			return nil, fmt.Errorf("compile rules of %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
		}
	}
	return &Validator{v: v}, nil
}

// Validate checks msg. It returns nil when msg is valid, an INVALID_ARGUMENT
// status error with field violations when it is not, and an INTERNAL status
// error when the rules themselves could not be evaluated.
func (v *Validator) Validate(msg proto.Message) error {
	err := v.v.Validate(msg)
	var verr *protovalidate.ValidationError
	if req, ok := msg.(*webhookv1.CreateWebhookRequest); ok && (err == nil || errors.As(err, &verr)) {
		if vi := checkHostUnlessReported(req, verr); vi != nil {
			if verr == nil {
				verr = &protovalidate.ValidationError{}
			}
			verr.Violations = append(verr.Violations, vi)
			err = verr
		}
	}
	if err == nil {
		return nil
	}
	if errors.As(err, &verr) {
		return invalidArgument(verr)
	}
	// A compilation or runtime error is our fault, not the caller's; its
	// text names rules, not request values, but it is still kept out of the
	// answer.
	return status.Error(codes.Internal, "request validation could not be evaluated")
}

// checkHostUnlessReported runs the webhook host check unless protovalidate
// has already refused the URL: one malformed URL is reported once.
func checkHostUnlessReported(req *webhookv1.CreateWebhookRequest, verr *protovalidate.ValidationError) *protovalidate.Violation {
	if verr != nil {
		for _, vi := range verr.Violations {
			if Field(vi) == string(webhookURLField.Name()) {
				return nil
			}
		}
	}
	return checkWebhookHost(req)
}

// UnaryServerInterceptor validates every request message before the handler
// runs. Requests that fail never reach the handler.
func (v *Validator) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		msg, ok := req.(proto.Message)
		if !ok {
			return nil, status.Error(codes.Internal, "request is not a protobuf message")
		}
		if err := v.Validate(msg); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Field returns the request field a violation is about. Field rules carry
// their path; message-level rules have ids of the form "<field>.<rule>" (a
// convention of our proto), so the field is the part before the first dot.
func Field(v *protovalidate.Violation) string {
	if path := protovalidate.FieldPathString(v.Proto.GetField()); path != "" {
		return path
	}
	if id := v.Proto.GetRuleId(); id != "" {
		field, _, _ := strings.Cut(id, ".")
		return field
	}
	return ""
}

func invalidArgument(verr *protovalidate.ValidationError) error {
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, 0, len(verr.Violations))}
	msgs := make([]string, 0, len(verr.Violations))
	for _, vi := range verr.Violations {
		field := Field(vi)
		desc := vi.Proto.GetMessage()
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       field,
			Description: desc,
			Reason:      vi.Proto.GetRuleId(),
		})
		msgs = append(msgs, field+": "+desc)
	}
	st := status.New(codes.InvalidArgument, "invalid request: "+strings.Join(msgs, "; "))
	withDetails, err := st.WithDetails(br, verr.ToProto())
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
