// Command openapigen writes the facade's published OpenAPI 3.1 document by
// joining what two generators make from the proto contract:
//
//   - protoc-gen-openapiv3 (grpc-gateway): the paths, operations and
//     response schemas, from the google.api.http bindings;
//   - protoc-gen-jsonschema (protoschema-plugins): JSON Schemas that carry
//     the protovalidate rules (maxLength, pattern, enum values refused) of
//     the request messages and the google.rpc error types.
//
// It adds what neither knows: the rules protoschema does not translate yet
// (repeated.unique, repeated.min_items as a required property, CEL and
// predefined rules that are a regular expression as a pattern), read from
// the descriptor set; the document settings, the bearer security scheme,
// the error answers and the examples, from a configuration file. And it
// makes the document read as the wire by client generators: no defaults,
// enums as string enums of the names a field takes, the error details a
// oneOf with a discriminator on "@type", the fields the service always
// writes required in answers (never in requests), and fields a route's
// path gives optional in its body. It writes no schema of its own: every
// schema comes from the proto (a body or input variant is a copy).
//
// Usage:
//
//	openapigen -config tools/openapi/openapi.yaml -openapi DIR -jsonschema DIR \
//	  -descriptors gen/telegent-facade.binpb -o gen/openapi/telegent.openapi.json
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// config is the document configuration: tools/openapi/openapi.yaml.
type config struct {
	Info struct {
		Title       string `yaml:"title"`
		Version     string `yaml:"version"`
		Description string `yaml:"description"`
	} `yaml:"info"`
	Servers []struct {
		URL         string `yaml:"url"`
		Description string `yaml:"description"`
	} `yaml:"servers"`
	Bearer struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
	} `yaml:"bearer"`
	Requests     []string               `yaml:"requests"`
	ErrorDetails []string               `yaml:"errorDetails"`
	Errors       map[string]errorAnswer `yaml:"errors"`
	// Examples of request and response bodies, by message full name.
	Examples map[string]any `yaml:"examples"`
}

// errorAnswer is one HTTP error status every operation may answer.
type errorAnswer struct {
	Description string `yaml:"description"`
	RetryAfter  bool   `yaml:"retryAfter"`
	Example     any    `yaml:"example"`
}

// statusType is the error body of every REST error: google.rpc.Status JSON.
const statusType = "google.rpc.Status"

// anyType is what google.rpc.Status.details holds.
const anyType = "google.protobuf.Any"

const jsonSchemaSuffix = ".jsonschema.json"

type object = map[string]any

func main() {
	var (
		configPath  = flag.String("config", "", "document configuration (YAML)")
		openapiDir  = flag.String("openapi", "", "folder with protoc-gen-openapiv3's output (one document)")
		schemaDir   = flag.String("jsonschema", "", "folder with protoc-gen-jsonschema's output (target=json)")
		descriptors = flag.String("descriptors", "", "FileDescriptorSet of the contract and its imports")
		out         = flag.String("o", "", "output file")
	)
	flag.Parse()
	if err := run(*configPath, *openapiDir, *schemaDir, *descriptors, *out); err != nil {
		fmt.Fprintln(os.Stderr, "openapigen:", err)
		os.Exit(1)
	}
}

func run(configPath, openapiDir, schemaDir, descriptorsPath, out string) error {
	if configPath == "" || openapiDir == "" || schemaDir == "" || descriptorsPath == "" || out == "" {
		return errors.New("-config, -openapi, -jsonschema, -descriptors and -o are all required")
	}
	var cfg config
	if err := readYAML(configPath, &cfg); err != nil {
		return err
	}
	doc, err := readOpenAPI(openapiDir)
	if err != nil {
		return err
	}
	schemas, err := readJSONSchemas(schemaDir)
	if err != nil {
		return err
	}
	files, err := readDescriptors(descriptorsPath)
	if err != nil {
		return err
	}
	if err := join(doc, &cfg, schemas, files); err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write document: %w", err)
	}
	return nil
}

// join rewrites doc in place into the published document.
func join(doc object, cfg *config, schemas map[string]object, files *descriptorpb.FileDescriptorSet) error {
	doc["info"] = object{"title": cfg.Info.Title, "version": cfg.Info.Version, "description": cfg.Info.Description}
	servers := make([]any, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		servers = append(servers, object{"url": s.URL, "description": s.Description})
	}
	doc["servers"] = servers

	components := objectAt(doc, "components")
	componentSchemas := objectAt(components, "schemas")

	// The schemas protoschema made, with their rules, replace
	// protoc-gen-openapiv3's plainer ones of the same names.
	roots := slices.Concat(cfg.Requests, cfg.ErrorDetails, []string{statusType})
	for _, name := range closure(roots, schemas) {
		componentSchemas[name] = componentSchema(schemas[name])
	}
	for _, name := range cfg.Requests {
		msg := findMessage(files, name)
		if msg == nil {
			return fmt.Errorf("request %s: not in the descriptor set", name)
		}
		if err := addRepeatedRules(componentSchemas[name].(object), msg, files); err != nil {
			return fmt.Errorf("request %s: %w", name, err)
		}
	}
	details := make([]any, 0, len(cfg.ErrorDetails))
	mapping := object{}
	for _, name := range cfg.ErrorDetails {
		// protojson writes an Any as the message's fields plus "@type".
		s := componentSchemas[name].(object)
		typeURL := "type.googleapis.com/" + name
		objectAt(s, "properties")["@type"] = object{"type": "string", "const": typeURL}
		s["required"] = appendUnique(s["required"], "@type")
		details = append(details, ref(name))
		mapping[typeURL] = ref(name)["$ref"]
	}
	// Exactly the details the facade sends, told apart by "@type", so a
	// generated client narrows a detail to its type by it.
	statusSchema := componentSchemas[statusType].(object)
	objectAt(objectAt(statusSchema, "properties"), "details")["items"] = object{
		"oneOf": details, "discriminator": object{"propertyName": "@type", "mapping": mapping},
	}
	delete(componentSchemas, anyType)
	for _, s := range componentSchemas {
		cleanSchema(s.(object))
	}
	if err := requireEmitted(componentSchemas, files); err != nil {
		return err
	}
	for _, name := range cfg.Requests {
		useInputSchemas(componentSchemas, name)
	}

	objectAt(components, "securitySchemes")[cfg.Bearer.Name] = object{
		"type": "http", "scheme": "bearer", "description": cfg.Bearer.Description,
	}
	// Authentication is optional: the empty requirement allows calls with
	// none (no authentication configured, or client certificates).
	doc["security"] = []any{object{cfg.Bearer.Name: []any{}}, object{}}

	responses := objectAt(components, "responses")
	for code, answer := range cfg.Errors {
		media := object{"schema": ref(statusType)}
		if answer.Example != nil {
			media["example"] = answer.Example
		}
		r := object{
			"description": answer.Description,
			"content":     object{"application/json": media},
		}
		if answer.RetryAfter {
			r["headers"] = object{"Retry-After": object{
				"description": "Seconds to wait before retrying; present only when a retry may cure the failure.",
				"schema":      object{"type": "integer", "minimum": 0},
			}}
		}
		responses["Error"+code] = r
	}

	for path, item := range objectAt(doc, "paths") {
		for method, op := range item.(object) {
			op, ok := op.(object)
			if !ok {
				continue
			}
			if err := joinOperation(op, cfg, files, componentSchemas); err != nil {
				return fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
		}
	}
	pruneSchemas(doc, componentSchemas)
	return nil
}

// pruneSchemas drops the component schemas nothing refers to (the
// generators' own, replaced by the joined ones), so that a client
// generated from the document has only the types it uses.
func pruneSchemas(doc, schemas object) {
	used := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		walk(v, func(o object) {
			r, ok := o["$ref"].(string)
			if !ok {
				return
			}
			name, ok := strings.CutPrefix(r, "#/components/schemas/")
			if ok && !used[name] {
				used[name] = true
				visit(schemas[name])
			}
		})
	}
	visit(doc["paths"])
	visit(objectAt(doc, "components")["responses"])
	for name := range schemas {
		if !used[name] {
			delete(schemas, name)
		}
	}
}

// joinOperation points the operation's body at the request schema with its
// rules and lists the error answers.
func joinOperation(op object, cfg *config, files *descriptorpb.FileDescriptorSet, schemas object) error {
	id, _ := op["operationId"].(string)
	service, method, ok := strings.Cut(id, "_")
	if !ok {
		return fmt.Errorf("operationId %q is not Service_Method", id)
	}
	// An additional binding of a method is named Service_Method_N.
	if m, n, found := strings.Cut(method, "_"); found && strings.Trim(n, "0123456789") == "" {
		method = m
	}
	input := findInputType(files, service, method)
	if input == "" {
		return fmt.Errorf("method %s.%s: not in the descriptor set", service, method)
	}
	if slices.Contains(cfg.Requests, input) {
		media, ok := objectAt(objectAt(op, "requestBody"), "content")["application/json"].(object)
		if !ok {
			return errors.New("request body has no application/json content")
		}
		media["schema"] = ref(bodySchema(op, input, schemas))
		if ex, ok := cfg.Examples[input]; ok {
			media["example"] = ex
		}
	}
	responses := objectAt(op, "responses")
	if ok, _ := objectAt(op, "responses")["200"].(object); ok != nil {
		if media, _ := objectAt(ok, "content")["application/json"].(object); media != nil {
			if ex, found := cfg.Examples[findOutputType(files, service, method)]; found {
				media["example"] = ex
			}
		}
	}
	for code := range cfg.Errors {
		responses[code] = object{"$ref": "#/components/responses/Error" + code}
	}
	return nil
}

// cleanSchema makes a schema read as the wire is by client generators:
// no "default" (openapi-typescript reads it as "always present", making
// every optional request field required), and each enum a string enum of
// the names the field takes (protoschema's anyOf of names, a pattern per
// name and the numbers, which generators turn into string | number).
func cleanSchema(s object) {
	walk(s, func(o object) {
		delete(o, "default")
		branches, ok := o["anyOf"].([]any)
		if !ok {
			return
		}
		if n := int32Number(branches); n != nil {
			// A 32-bit integer: protojson writes it as a number (it
			// also reads a numeric string, which no caller needs).
			delete(o, "anyOf")
			maps.Copy(o, n)
			return
		}
		var names []any
		enum := false
		for _, b := range branches {
			b, _ := b.(object)
			switch {
			case b["enum"] != nil:
				enum = true
				names = append(names, b["enum"].([]any)...)
			case b["pattern"] != nil && strings.HasPrefix(b["pattern"].(string), "^") && strings.Trim(strings.Trim(b["pattern"].(string), "^$"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "":
				names = append(names, strings.Trim(b["pattern"].(string), "^$"))
			case b["type"] == "integer":
			default:
				return
			}
		}
		if !enum {
			return
		}
		delete(o, "anyOf")
		o["type"] = "string"
		o["enum"] = names
	})
}

// bodySchema names the schema of an operation's body: the request's, or,
// when the route's path carries some of its fields, a copy in which those
// are not required (the path gives them).
func bodySchema(op object, input string, schemas object) string {
	var inPath []string
	for _, p := range asList(op["parameters"]) {
		if p := p.(object); p["in"] == "path" {
			inPath = append(inPath, jsonName(p["name"].(string)))
		}
	}
	if len(inPath) == 0 {
		return input
	}
	name := input + "Body"
	if _, done := schemas[name]; done {
		return name
	}
	body := deepCopy(schemas[input]).(object)
	var required []any
	for _, r := range asList(body["required"]) {
		if !slices.Contains(inPath, r.(string)) {
			required = append(required, r)
		}
	}
	delete(body, "required")
	if len(required) > 0 {
		body["required"] = required
	}
	for _, f := range inPath {
		if p, ok := objectAt(body, "properties")[f].(object); ok {
			p["description"] = fmt.Sprint(p["description"], "\n\nOptional here: the path gives it.")
		}
	}
	schemas[name] = body
	return name
}

// useInputSchemas points a request's message fields whose schema marks
// the fields the service always writes as required (a response message
// used in a request, such as Webhook in UpdateWebhookRequest) at a copy
// without them: in a request every such field is optional.
func useInputSchemas(schemas object, request string) {
	for _, p := range objectAt(schemas[request].(object), "properties") {
		p := p.(object)
		r, ok := p["$ref"].(string)
		if !ok {
			continue
		}
		name := strings.TrimPrefix(r, "#/components/schemas/")
		target, _ := schemas[name].(object)
		if target == nil || target["required"] == nil {
			continue
		}
		input := name + "Input"
		if _, done := schemas[input]; !done {
			c := deepCopy(target).(object)
			delete(c, "required")
			schemas[input] = c
		}
		p["$ref"] = ref(input)["$ref"]
	}
}

// jsonName is protojson's name of a field named in snake_case.
func jsonName(protoName string) string {
	var b strings.Builder
	upper := false
	for _, r := range protoName {
		switch {
		case r == '_':
			upper = true
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case object:
		c := object{}
		for k, e := range v {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = deepCopy(e)
		}
		return c
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// int32Number returns the number branch of protoschema's anyOf for a
// 32-bit integer field (a number, or a string of digits), or nil.
func int32Number(branches []any) object {
	if len(branches) != 2 {
		return nil
	}
	n, _ := branches[0].(object)
	str, _ := branches[1].(object)
	if n["type"] != "integer" || str["type"] != "string" || str["pattern"] != "^-?[0-9]+$" {
		return nil
	}
	if hi, ok := n["maximum"].(float64); !ok || hi > 4294967295 {
		return nil
	}
	return n
}

// requireEmitted marks as required, in the service's own response
// messages, every field the service always writes: those without presence
// (it writes default values, never null); a message or optional field is
// left out when unset.
func requireEmitted(schemas object, files *descriptorpb.FileDescriptorSet) error {
	for name, s := range schemas {
		if !strings.HasPrefix(name, "telegent.") || !strings.HasSuffix(name, "Response") && !strings.HasSuffix(name, ".Webhook") {
			continue
		}
		msg := findMessage(files, name)
		if msg == nil {
			return fmt.Errorf("schema %s: not in the descriptor set", name)
		}
		var required []any
		for _, f := range msg.GetField() {
			if f.GetType() == descriptorpb.FieldDescriptorProto_TYPE_MESSAGE && f.GetLabel() != descriptorpb.FieldDescriptorProto_LABEL_REPEATED || f.GetProto3Optional() {
				continue
			}
			required = append(required, f.GetJsonName())
		}
		if len(required) > 0 {
			s.(object)["required"] = required
		}
	}
	return nil
}

// addRepeatedRules adds the protovalidate rules protoschema leaves out
// (CEL rules that are a regular expression, as a pattern; predefined rules
// are looked up in files):
// repeated.unique as uniqueItems, and a field that must be set (required,
// or repeated.min_items above zero) as a required property.
func addRepeatedRules(schema object, msg *descriptorpb.DescriptorProto, files *descriptorpb.FileDescriptorSet) error {
	props := objectAt(schema, "properties")
	for _, f := range msg.GetField() {
		rules, ok := proto.GetExtension(f.GetOptions(), validate.E_Field).(*validate.FieldRules)
		if !ok || rules == nil {
			continue
		}
		prop, ok := props[f.GetJsonName()].(object)
		if !ok {
			return fmt.Errorf("field %s: no property %q in the JSON Schema", f.GetName(), f.GetJsonName())
		}
		// A rule written in CEL for its message: its regular expression
		// still tells a schema validator the shape.
		for _, c := range append(rules.GetCel(), predefinedRules(rules.GetString(), files)...) {
			if m := celMatches.FindStringSubmatch(c.GetExpression()); m != nil {
				prop["pattern"] = m[1]
			} else if m := celNotMatchesClass.FindStringSubmatch(c.GetExpression()); m != nil {
				prop["pattern"] = "^[^" + m[1] + "]*$"
			}
		}
		if rules.GetString().GetUri() {
			// protoschema states uri as a regular expression with escapes
			// that JavaScript's Unicode mode refuses; the format says it.
			delete(prop, "pattern")
			prop["format"] = "uri"
		}
		if rules.GetRepeated().GetUnique() {
			prop["uniqueItems"] = true
		}
		if rules.GetRequired() || rules.GetRepeated().GetMinItems() > 0 {
			schema["required"] = appendUnique(schema["required"], f.GetJsonName())
		}
	}
	return nil
}

// celMatches and celNotMatchesClass read the two shapes of CEL field rule
// that are a regular expression: the value matches it, or contains no
// character of a class.
var (
	celMatches         = regexp.MustCompile(`^(?:!rule \|\| )?this\.matches\(r'(.*)'\)$`)
	celNotMatchesClass = regexp.MustCompile(`^!this\.matches\(r'\[(.*)\]'\)$`)
)

// predefinedRules returns the CEL rules of the predefined rules (our
// extensions of buf.validate.StringRules, such as account_id) that a
// field's string rules turn on. They arrive as unknown fields: the
// extensions are declared in the descriptor set, not linked in.
func predefinedRules(rules *validate.StringRules, files *descriptorpb.FileDescriptorSet) []*validate.Rule {
	if rules == nil {
		return nil
	}
	var out []*validate.Rule
	raw := rules.ProtoReflect().GetUnknown()
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return out
		}
		raw = raw[n:]
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return out
		}
		on := false
		if typ == protowire.VarintType {
			v, _ := protowire.ConsumeVarint(raw)
			on = v != 0
		}
		raw = raw[m:]
		if !on {
			continue
		}
		for _, f := range files.GetFile() {
			for _, x := range f.GetExtension() {
				if x.GetExtendee() == ".buf.validate.StringRules" && x.GetNumber() == int32(num) {
					if p, ok := proto.GetExtension(x.GetOptions(), validate.E_Predefined).(*validate.PredefinedRules); ok {
						out = append(out, p.GetCel()...)
					}
				}
			}
		}
	}
	return out
}

// closure lists the roots and every schema they reference, sorted.
func closure(roots []string, schemas map[string]object) []string {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		walk(schemas[name], func(o object) {
			if r, ok := o["$ref"].(string); ok {
				visit(strings.TrimSuffix(r, jsonSchemaSuffix))
			}
		})
	}
	for _, r := range roots {
		visit(r)
	}
	return slices.Sorted(maps.Keys(seen))
}

// componentSchema turns a standalone protoschema JSON Schema into an
// OpenAPI component: no $id or $schema, references into components, and no
// patternProperties (they repeat each rule under the proto field name,
// which protojson also accepts; the document describes the lowerCamelCase
// form the service writes and documents).
func componentSchema(s object) object {
	delete(s, "$id")
	delete(s, "$schema")
	delete(s, "patternProperties")
	walk(s, func(o object) {
		if r, ok := o["$ref"].(string); ok {
			o["$ref"] = ref(strings.TrimSuffix(r, jsonSchemaSuffix))["$ref"]
		}
	})
	return s
}

// walk calls fn on every JSON object within v, v included.
func walk(v any, fn func(object)) {
	switch v := v.(type) {
	case object:
		fn(v)
		for _, e := range v {
			walk(e, fn)
		}
	case []any:
		for _, e := range v {
			walk(e, fn)
		}
	}
}

func ref(name string) object { return object{"$ref": "#/components/schemas/" + name} }

// objectAt returns o[key] as an object, creating it when absent.
func objectAt(o object, key string) object {
	if v, ok := o[key].(object); ok {
		return v
	}
	v := object{}
	o[key] = v
	return v
}

func appendUnique(list any, s string) []any {
	l, _ := list.([]any)
	if slices.Contains(l, any(s)) {
		return l
	}
	return append(l, s)
}

func findMessage(files *descriptorpb.FileDescriptorSet, fullName string) *descriptorpb.DescriptorProto {
	for _, f := range files.GetFile() {
		for _, m := range f.GetMessageType() {
			if f.GetPackage()+"."+m.GetName() == fullName {
				return m
			}
		}
	}
	return nil
}

// findOutputType returns the full name of a method's response message.
func findOutputType(files *descriptorpb.FileDescriptorSet, service, method string) string {
	for _, f := range files.GetFile() {
		for _, s := range f.GetService() {
			if s.GetName() != service {
				continue
			}
			for _, m := range s.GetMethod() {
				if m.GetName() == method {
					return strings.TrimPrefix(m.GetOutputType(), ".")
				}
			}
		}
	}
	return ""
}

// findInputType returns the full name of a method's request message.
func findInputType(files *descriptorpb.FileDescriptorSet, service, method string) string {
	for _, f := range files.GetFile() {
		for _, s := range f.GetService() {
			if s.GetName() != service {
				continue
			}
			for _, m := range s.GetMethod() {
				if m.GetName() == method {
					return strings.TrimPrefix(m.GetInputType(), ".")
				}
			}
		}
	}
	return ""
}

func readYAML(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	return nil
}

// readOpenAPI reads the one document protoc-gen-openapiv3 wrote under dir.
func readOpenAPI(dir string) (object, error) {
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			found = append(found, path)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find OpenAPI document: %w", err)
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("find OpenAPI document: want one under %s, found %d", dir, len(found))
	}
	var doc object
	if err := readJSON(found[0], &doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// readJSONSchemas reads protoschema's output, keyed by message full name.
func readJSONSchemas(dir string) (map[string]object, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read JSON Schemas: %w", err)
	}
	schemas := map[string]object{}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), jsonSchemaSuffix)
		if !ok {
			continue
		}
		var s object
		if err := readJSON(filepath.Join(dir, e.Name()), &s); err != nil {
			return nil, err
		}
		schemas[name] = s
	}
	return schemas, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

func readDescriptors(path string) (*descriptorpb.FileDescriptorSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read descriptor set: %w", err)
	}
	var set descriptorpb.FileDescriptorSet
	// The protovalidate Go types are linked in, so (buf.validate.field)
	// options decode as validate.FieldRules.
	if err := proto.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parse descriptor set: %w", err)
	}
	return &set, nil
}
