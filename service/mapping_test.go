package service

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/platform/telegent-facade/telegent"
)

// TestEveryUpstreamKindHasAStatus fails when the Telegent client gains a
// kind of failure that Status has no row for: callers would get a bare
// INTERNAL with no reason.
func TestEveryUpstreamKindHasAStatus(t *testing.T) {
	t.Parallel()
	kinds := telegent.Kinds()
	if len(kinds) == 0 {
		t.Fatal("telegent.Kinds lists nothing")
	}
	for _, k := range kinds {
		if strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("kind %d has no name", k)
		}
		m, ok := mappings[k]
		if !ok {
			t.Errorf("kind %q has no status mapping", k)
			continue
		}
		if m.code == codes.OK || m.code == codes.Unknown || m.reason == "" || m.message == "" {
			t.Errorf("kind %q maps to %+v: want a code, a reason and a message", k, m)
		}
	}
	for k := range mappings {
		if k <= telegent.KindUnknown {
			t.Errorf("a mapping for %q, which the client never produces", k)
		}
	}
}
