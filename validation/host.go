package validation

import (
	"net/netip"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
)

// Rule ids of the webhook_url checks made here, beside protovalidate: IP
// ranges are beyond what the proto's standard rules can say, and a CEL
// regular expression for them would be long and unreadable. The ids follow
// the proto's "<field>.<rule>" convention.
const (
	// RuleWebhookURLPublicIP refuses IP literal hosts that are loopback,
	// private, link-local or unspecified, IPv4-mapped IPv6 included.
	RuleWebhookURLPublicIP = "webhook_url.public_ip"
	// RuleWebhookURLNumericHost refuses hosts whose last label is a number
	// but that are not a dotted-decimal IPv4 address ("127.1",
	// "2130706433", "0x7f.0.0.1"): URL parsers in browsers and HTTP clients
	// read such hosts as IPv4 addresses, which would slip past the IP check.
	RuleWebhookURLNumericHost = "webhook_url.numeric_host"
)

// thisNetwork is 0.0.0.0/8, "this host on this network" (RFC 1122): Linux
// delivers it to the local host, like the unspecified address.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

var webhookURLField = (&webhookv1.CreateWebhookRequest{}).ProtoReflect().Descriptor().Fields().ByName("webhook_url")

// checkWebhookHost returns the violation of the host rules made here for
// the webhook URL of a CreateWebhookRequest, or nil. Its caller runs it
// only on URLs that protovalidate has accepted.
func checkWebhookHost(req *webhookv1.CreateWebhookRequest) *protovalidate.Violation {
	host, ok := webhookHost(req.GetWebhookUrl())
	if !ok {
		return nil
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !publicIP(addr) {
			return webhookURLViolation(req, RuleWebhookURLPublicIP,
				"webhook_url host must not be a loopback, private, link-local or unspecified IP address")
		}
		return nil
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if numericLabel(last) {
		return webhookURLViolation(req, RuleWebhookURLNumericHost,
			"webhook_url host that ends in a number must be a dotted-decimal IPv4 address")
	}
	return nil
}

// webhookHost returns the host of an https URL, without brackets or port.
// It runs on URLs protovalidate's pattern has accepted, so the shape is
// known; cutting the string by hand, rather than url.Parse, keeps the check
// free of allocations on every request.
func webhookHost(rawURL string) (string, bool) {
	rest, ok := strings.CutPrefix(rawURL, "https://")
	if !ok {
		return "", false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", false
		}
		return rest[1:end], true
	}
	host, _, _ := strings.Cut(rest, ":")
	return host, true
}

// publicIP reports whether addr may be given to Telegent to call.
func publicIP(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.Zone() == "" &&
		!addr.IsLoopback() &&
		!addr.IsPrivate() &&
		!addr.IsLinkLocalUnicast() &&
		!addr.IsLinkLocalMulticast() &&
		!addr.IsInterfaceLocalMulticast() &&
		!addr.IsUnspecified() &&
		!thisNetwork.Contains(addr)
}

// numericLabel reports whether a host label is a number in the forms the
// WHATWG URL standard's IPv4 parser takes: decimal, or hexadecimal with a
// 0x prefix.
func numericLabel(label string) bool {
	if label == "" {
		return false
	}
	if rest, ok := strings.CutPrefix(strings.ToLower(label), "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return strings.Trim(label, "0123456789") == ""
}

func webhookURLViolation(req *webhookv1.CreateWebhookRequest, ruleID, message string) *protovalidate.Violation {
	return &protovalidate.Violation{
		Proto: &validate.Violation{
			Field: &validate.FieldPath{Elements: []*validate.FieldPathElement{{
				FieldNumber: proto.Int32(int32(webhookURLField.Number())),
				FieldName:   proto.String(string(webhookURLField.Name())),
				FieldType:   descriptorpb.FieldDescriptorProto_Type(webhookURLField.Kind()).Enum(),
			}}},
			RuleId:  proto.String(ruleID),
			Message: proto.String(message),
		},
		FieldValue:      protoreflect.ValueOfString(req.GetWebhookUrl()),
		FieldDescriptor: webhookURLField,
	}
}
