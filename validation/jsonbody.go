package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Rule ids (the reason of a field violation) of a JSON body that does not
// decode into the request message.
const (
	// RuleJSONSyntax: the body is not one JSON value.
	RuleJSONSyntax = "json.syntax"
	// RuleJSONUnknownField: a member that is not a field of the message.
	RuleJSONUnknownField = "json.unknown_field"
	// RuleJSONType: a value of the wrong JSON type (a number for a string,
	// say) or out of the field's range.
	RuleJSONType = "json.type"
	// RuleJSONEnum: a string that names no value of the field's enum.
	RuleJSONEnum = "json.enum"
)

// UnmarshalJSON decodes body into msg with opts. When it does not decode,
// the error is INVALID_ARGUMENT with a google.rpc.BadRequest naming each
// offending field by its path (proto names, as the other violations), so a
// client finds every bad request's fields in one place. Only a failed
// decode pays for the analysis.
func UnmarshalJSON(opts protojson.UnmarshalOptions, body []byte, msg proto.Message) error {
	err := opts.Unmarshal(body, msg)
	if err == nil {
		return nil
	}
	return JSONError(body, msg.ProtoReflect().Descriptor())
}

// JSONError is the INVALID_ARGUMENT error for a body that protojson could
// not decode into a message of md. Its messages are the facade's own and
// quote no value but an enum name: never protojson's text.
func JSONError(body []byte, md protoreflect.MessageDescriptor) error {
	violations := JSONViolations(body, md)
	if len(violations) == 0 {
		// protojson refused something the walk does not know (invalid
		// UTF-8, say): still a violation, on the body as a whole, with a
		// fixed message (protojson's may quote a value, a secret's too).
		violations = []*errdetails.BadRequest_FieldViolation{{Description: "the body does not decode as this request: send one JSON object of its fields, in UTF-8", Reason: RuleJSONType}}
	}
	msgs := make([]string, 0, len(violations))
	for _, v := range violations {
		if v.GetField() != "" {
			msgs = append(msgs, v.GetField()+": "+v.GetDescription())
		} else {
			msgs = append(msgs, v.GetDescription())
		}
	}
	st := status.New(codes.InvalidArgument, "invalid request: "+strings.Join(msgs, "; "))
	withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: violations})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// JSONViolations lists what keeps body from decoding as a message of md:
// a syntax error, or each unknown member, bad enum name and value of the
// wrong type, one per field, with its path.
func JSONViolations(body []byte, md protoreflect.MessageDescriptor) []*errdetails.BadRequest_FieldViolation {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []*errdetails.BadRequest_FieldViolation{syntaxViolation(err)}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return []*errdetails.BadRequest_FieldViolation{{
			Description: "the body must be one JSON object; something follows it at byte " + strconv.FormatInt(dec.InputOffset(), 10),
			Reason:      RuleJSONSyntax,
		}}
	}
	var w jsonWalker
	w.message(v, md, "")
	return w.violations
}

func syntaxViolation(err error) *errdetails.BadRequest_FieldViolation {
	desc := "the body is not valid JSON"
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		desc += fmt.Sprintf(" (at byte %d: %s)", se.Offset, se.Error())
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		desc += " (it ends early)"
	}
	return &errdetails.BadRequest_FieldViolation{Description: desc + ": send one JSON object", Reason: RuleJSONSyntax}
}

type jsonWalker struct {
	violations []*errdetails.BadRequest_FieldViolation
}

func (w *jsonWalker) add(path, reason, desc string) {
	w.violations = append(w.violations, &errdetails.BadRequest_FieldViolation{Field: path, Description: desc, Reason: reason})
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (w *jsonWalker) message(v any, md protoreflect.MessageDescriptor, path string) {
	if wkt := wellKnownJSON(md); wkt != "" {
		if !jsonTypeIs(v, wkt) {
			w.add(path, RuleJSONType, "must be a JSON "+wkt)
		}
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		what := "the body"
		if path != "" {
			what = "the value"
		}
		w.add(path, RuleJSONType, what+" must be a JSON object, not "+jsonTypeName(v))
		return
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(key))
		}
		if fd == nil {
			desc := fmt.Sprintf("unknown field %q", key)
			if s := suggest(key, md); s != "" {
				desc += fmt.Sprintf("; did you mean %q?", s)
			}
			w.add(join(path, key), RuleJSONUnknownField, desc)
			continue
		}
		w.field(obj[key], fd, join(path, string(fd.Name())))
	}
}

// suggest names the field a mistaken member most likely meant: the same
// name but for case and underscores (Telegent's PascalCase "AccountId" for
// "accountId", say).
func suggest(key string, md protoreflect.MessageDescriptor) string {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	fields := md.Fields()
	for i := range fields.Len() {
		if norm(fields.Get(i).JSONName()) == norm(key) {
			return fields.Get(i).JSONName()
		}
	}
	return ""
}

func (w *jsonWalker) field(v any, fd protoreflect.FieldDescriptor, path string) {
	if v == nil {
		return // null: the field is unset
	}
	switch {
	case fd.IsMap():
		obj, ok := v.(map[string]any)
		if !ok {
			w.add(path, RuleJSONType, "must be a JSON object, not "+jsonTypeName(v))
			return
		}
		for k, e := range obj {
			w.single(e, fd.MapValue(), path+"["+strconv.Quote(k)+"]")
		}
	case fd.IsList():
		list, ok := v.([]any)
		if !ok {
			w.add(path, RuleJSONType, "must be a JSON array, not "+jsonTypeName(v))
			return
		}
		for i, e := range list {
			w.single(e, fd, path+"["+strconv.Itoa(i)+"]")
		}
	default:
		w.single(v, fd, path)
	}
}

// single checks one value of a field (an element, for a list).
func (w *jsonWalker) single(v any, fd protoreflect.FieldDescriptor, path string) {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(v, fd.Message(), path)
	case protoreflect.EnumKind:
		w.enum(v, fd.Enum(), path)
	case protoreflect.StringKind:
		if _, ok := v.(string); !ok {
			w.add(path, RuleJSONType, "must be a JSON string, not "+jsonTypeName(v))
		}
	case protoreflect.BytesKind:
		if _, ok := v.(string); !ok {
			w.add(path, RuleJSONType, "must be a JSON string (base64), not "+jsonTypeName(v))
		}
	case protoreflect.BoolKind:
		if _, ok := v.(bool); !ok {
			w.add(path, RuleJSONType, "must be true or false, not "+jsonTypeName(v))
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if !isNumber(v) {
			w.add(path, RuleJSONType, "must be a JSON number, not "+jsonTypeName(v))
		}
	default: // integers
		w.integer(v, fd, path)
	}
}

func (w *jsonWalker) enum(v any, ed protoreflect.EnumDescriptor, path string) {
	switch v := v.(type) {
	case string:
		if ed.Values().ByName(protoreflect.Name(v)) != nil {
			return
		}
		desc := fmt.Sprintf("%q is not a %s", v, ed.Name())
		for _, name := range enumNames(ed) {
			// Telegent's own or a shortened name: NEW_SMS for
			// WEBHOOK_EVENT_NEW_SMS.
			if strings.HasSuffix(name, "_"+strings.ToUpper(v)) {
				desc += fmt.Sprintf("; did you mean %q?", name)
				break
			}
		}
		w.add(path, RuleJSONEnum, desc+" (one of "+strings.Join(enumNames(ed), ", ")+")")
	case json.Number:
		if _, err := strconv.ParseInt(v.String(), 10, 32); err != nil {
			w.add(path, RuleJSONEnum, fmt.Sprintf("%s is not a %s: use one of %s", v, ed.Name(), strings.Join(enumNames(ed), ", ")))
		}
	default:
		w.add(path, RuleJSONType, fmt.Sprintf("must be a %s name (a JSON string), not %s", ed.Name(), jsonTypeName(v)))
	}
}

// enumNames lists an enum's names but its zero value (an unset value,
// which a caller leaves out rather than names).
func enumNames(ed protoreflect.EnumDescriptor) []string {
	var names []string
	for i := range ed.Values().Len() {
		if ev := ed.Values().Get(i); ev.Number() != 0 {
			names = append(names, string(ev.Name()))
		}
	}
	return names
}

func (w *jsonWalker) integer(v any, fd protoreflect.FieldDescriptor, path string) {
	var text string
	switch v := v.(type) {
	case json.Number:
		text = v.String()
	case string:
		text = v // protojson takes 64-bit integers as strings too
	default:
		w.add(path, RuleJSONType, "must be a whole number, not "+jsonTypeName(v))
		return
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || f != math.Trunc(f) {
		w.add(path, RuleJSONType, "must be a whole number")
		return
	}
	var lo, hi float64
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		lo, hi = math.MinInt32, math.MaxInt32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		lo, hi = 0, math.MaxUint32
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		lo, hi = 0, math.MaxUint64
	default:
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if f < lo || f > hi {
		w.add(path, RuleJSONType, fmt.Sprintf("must be a whole number from %.0f to %.0f", lo, hi))
	}
}

// wellKnownJSON is the JSON type of a well-known type that protojson
// writes as a scalar ("string", "number", "boolean"), "any" for one that
// takes any JSON, or "" for an ordinary message.
func wellKnownJSON(md protoreflect.MessageDescriptor) string {
	switch md.FullName() {
	case "google.protobuf.FieldMask", "google.protobuf.Timestamp", "google.protobuf.Duration",
		"google.protobuf.StringValue", "google.protobuf.BytesValue":
		return "string"
	case "google.protobuf.BoolValue":
		return "boolean"
	case "google.protobuf.Int32Value", "google.protobuf.UInt32Value", "google.protobuf.Int64Value",
		"google.protobuf.UInt64Value", "google.protobuf.FloatValue", "google.protobuf.DoubleValue":
		return "number"
	case "google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue", "google.protobuf.Any", "google.protobuf.Empty":
		return "any"
	}
	return ""
}

func jsonTypeIs(v any, want string) bool {
	switch want {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		return isNumber(v)
	}
	return true
}

func isNumber(v any) bool {
	switch v := v.(type) {
	case json.Number:
		return true
	case string: // protojson's "NaN", "Infinity" and quoted numbers
		_, err := strconv.ParseFloat(v, 64)
		return err == nil || v == "NaN" || v == "Infinity" || v == "-Infinity"
	}
	return false
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// RuleQueryValue: a query parameter whose value its field cannot take.
const RuleQueryValue = "query.value"

// QueryError is the INVALID_ARGUMENT error, with its field violation, for
// a query parameter of field fd whose value does not parse.
func QueryError(fd protoreflect.FieldDescriptor) error {
	var desc string
	switch fd.Kind() {
	case protoreflect.BoolKind:
		desc = "must be true or false"
	case protoreflect.EnumKind:
		desc = "must be a " + string(fd.Enum().Name()) + " (one of " + strings.Join(enumNames(fd.Enum()), ", ") + ")"
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		desc = "must be a number"
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind, protoreflect.GroupKind:
		desc = "is not a value this field takes"
	default:
		desc = "must be a whole number"
	}
	field := string(fd.Name())
	st := status.New(codes.InvalidArgument, "invalid request: "+field+": "+desc)
	withDetails, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: field, Description: desc, Reason: RuleQueryValue},
	}})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
