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
	// RuleWebhookURLPublicIP refuses IP literal hosts that are not
	// globally reachable (see publicIP).
	RuleWebhookURLPublicIP = "webhook_url.public_ip"
	// RuleWebhookURLNumericHost refuses hosts whose last label is a number
	// but that are not a dotted-decimal IPv4 address ("127.1",
	// "2130706433", "0x7f.0.0.1"): URL parsers in browsers and HTTP clients
	// read such hosts as IPv4 addresses, which would slip past the IP check.
	RuleWebhookURLNumericHost = "webhook_url.numeric_host"
)

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
				"webhook_url host must be a globally reachable IP address")
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

// publicIP reports whether addr may be given to Telegent to call: only a
// globally reachable address. The rule follows IANA's special-purpose
// address registries, refusing every entry whose "Globally Reachable" is
// not True:
//
//	https://www.iana.org/assignments/iana-ipv4-special-registry/
//	https://www.iana.org/assignments/iana-ipv6-special-registry/
//
// Multicast and reserved space are refused as well, and so is every IPv6
// address outside global unicast (2000::/3), which takes in the deprecated
// IPv4-compatible (::/96) and site-local (fec0::/10) forms. An IPv4 address
// embedded in an IPv6 one that Telegent's network may translate back
// (IPv4-mapped, NAT64's well-known prefix, 6to4) is judged as that IPv4
// address.
func publicIP(addr netip.Addr) bool {
	if addr.Zone() != "" {
		return false
	}
	if v4, ok := embeddedIPv4(addr); ok {
		addr = v4
	}
	if addr.Is4() {
		return publicIPv4(addr)
	}
	if !globalUnicast6.Contains(addr) {
		return false
	}
	for _, p := range allowed6 {
		if p.Contains(addr) {
			return true
		}
	}
	for _, p := range refused6 {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

func publicIPv4(addr netip.Addr) bool {
	for _, p := range allowed4 {
		if p.Contains(addr) {
			return true
		}
	}
	for _, p := range refused4 {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 address carried by an IPv4-mapped, NAT64
// well-known-prefix (RFC 6052) or 6to4 (RFC 3056) address.
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	if addr.Is4In6() {
		return addr.Unmap(), true
	}
	b := addr.As16()
	switch {
	case nat64WellKnown.Contains(addr):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(addr):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// refused4 are the IPv4 registry's entries that are not globally
// reachable, with multicast and the reserved block; allowed4 are the
// globally reachable entries inside them.
var refused4, allowed4 = prefixes(
	"0.0.0.0/8",       // "this network" (Linux delivers it locally)
	"10.0.0.0/8",      // private use
	"100.64.0.0/10",   // shared address space (carrier-grade NAT, cloud metadata)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link local
	"172.16.0.0/12",   // private use
	"192.0.0.0/24",    // IETF protocol assignments (DS-Lite, NAT64 discovery, dummy)
	"192.0.2.0/24",    // documentation (TEST-NET-1)
	"192.88.99.0/24",  // deprecated 6to4 relay anycast
	"192.168.0.0/16",  // private use
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation (TEST-NET-2)
	"203.0.113.0/24",  // documentation (TEST-NET-3)
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, limited broadcast 255.255.255.255 included
), prefixes(
	"192.0.0.9/32",  // Port Control Protocol anycast
	"192.0.0.10/32", // Traversal Using Relays around NAT anycast
)

// refused6 are the IPv6 registry's entries inside global unicast that are
// not globally reachable (6to4 is judged by its IPv4 address); allowed6
// are the globally reachable entries inside them.
var refused6, allowed6 = prefixes(
	"2001::/23",     // IETF protocol assignments: Teredo, benchmarking, ORCHID
	"2001:db8::/32", // documentation
	"3fff::/20",     // documentation
), prefixes(
	"2001:1::1/128",   // Port Control Protocol anycast
	"2001:1::2/128",   // Traversal Using Relays around NAT anycast
	"2001:1::3/128",   // DNS-SD service registration protocol anycast
	"2001:3::/32",     // AMT
	"2001:4:112::/48", // AS112-v6
	"2001:20::/28",    // ORCHIDv2
	"2001:30::/28",    // drone remote ID protocol entity tags
)

func prefixes(s ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(s))
	for i, p := range s {
		ps[i] = netip.MustParsePrefix(p)
	}
	return ps
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
