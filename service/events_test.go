package service_test

import (
	"slices"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/service"
)

// telegentMaxEventsLen is the longest SubscribedEvents string Telegent
// accepts (its reference page gives 255 for the member).
const telegentMaxEventsLen = 255

// TestEventsJoinWithinTelegentLimit stands in for a length rule on
// subscribed_events: the proto declares none because its rules (each event
// defined, none UNSPECIFIED, no duplicates) already bound the joined string.
// This test fails if one of those rules goes, or if a new event makes the
// longest valid list too long for Telegent.
func TestEventsJoinWithinTelegentLimit(t *testing.T) {
	t.Parallel()
	field := (&webhookv1.CreateWebhookRequest{}).ProtoReflect().Descriptor().Fields().ByName("subscribed_events")
	rules, _ := proto.GetExtension(field.Options(), validate.E_Field).(*validate.FieldRules)
	repeated := rules.GetRepeated()
	items := repeated.GetItems().GetEnum()
	if !repeated.GetUnique() || !items.GetDefinedOnly() || !slices.Contains(items.GetNotIn(), 0) {
		t.Fatalf("subscribed_events rules %v no longer bound the list to distinct defined events: declare a length rule", rules)
	}

	values := field.Enum().Values()
	all := make([]webhookv1.WebhookEvent, 0, values.Len())
	for i := range values.Len() {
		if n := values.Get(i).Number(); n != 0 {
			all = append(all, webhookv1.WebhookEvent(n))
		}
	}
	joined := service.ToTelegent(&webhookv1.CreateWebhookRequest{SubscribedEvents: all}).SubscribedEvents
	if got := strings.Split(joined, ","); len(got) != len(all) || slices.Contains(got, "") {
		t.Fatalf("joined events %q: want %d Telegent names", joined, len(all))
	}
	if len(joined) > telegentMaxEventsLen {
		t.Errorf("all %d events join to %d characters, over Telegent's %d: declare a length rule on subscribed_events",
			len(all), len(joined), telegentMaxEventsLen)
	}
	t.Logf("all %d events join to %d characters", len(all), len(joined))
}
