package server

import (
	"bytes"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
	"github.com/platform/telegent-facade/validation"
)

// grpcTuning are the gRPC server options chosen for CPU per call; the
// measurements behind them are in BENCHMARKS.md.
func grpcTuning(maxUpstream int) []grpc.ServerOption {
	return []grpc.ServerOption{
		// Calls run on long-lived goroutines, one per call that may be
		// upstream at once, up to 64; more calls get a goroutine each, as
		// without the option. A fresh goroutine per call would start with
		// a small stack and copy it several times as validation recurses:
		// about a tenth of the CPU per call (measured; an experimental
		// option, kept for that). Not more than 64: idle workers take
		// turns, and every garbage collection shrinks their stacks, which
		// each one's next call grows again.
		grpc.NumStreamWorkers(uint32(min(max(maxUpstream, 1), 64))),
		// Fixed flow-control windows, far above our 64 KiB messages, turn
		// off bandwidth-delay estimation and the PING frames it sends while
		// calls flow.
		grpc.InitialWindowSize(1 << 20),
		grpc.InitialConnWindowSize(1 << 20),
	}
}

// warmUp runs a complete, valid request (the example of Telegent's
// reference page) through the request path's in-process steps once, at
// start-up, so that the first caller does not pay for their lazy
// initialisation: every validation rule (validation.New only evaluates an
// empty message, which skips the rules of empty fields), both wire codecs,
// the REST JSON codec and the translation. Telegent is not called: the
// first call still fetches a token.
func warmUp(v *validation.Validator) error {
	req := example.Request()
	if err := v.Validate(req); err != nil {
		return fmt.Errorf("warm up: validate: %w", err)
	}
	wire, err := proto.Marshal(req)
	if err == nil {
		err = proto.Unmarshal(wire, &webhookv1.CreateWebhookRequest{})
	}
	if err != nil {
		return fmt.Errorf("warm up: protobuf: %w", err)
	}
	if _, err := json.Marshal(service.ToTelegent(req)); err != nil {
		return fmt.Errorf("warm up: Telegent body: %w", err)
	}
	active := true
	resp := &webhookv1.CreateWebhookResponse{Webhook: service.FromTelegent(&telegent.Webhook{WebhookId: "WID-1", Active: &active}, req)}
	if _, err := proto.Marshal(resp); err != nil {
		return fmt.Errorf("warm up: protobuf: %w", err)
	}
	m := newRESTJSON()
	body, err := protojson.Marshal(req)
	if err == nil {
		err = m.NewDecoder(bytes.NewReader(body)).Decode(&webhookv1.CreateWebhookRequest{})
	}
	if err == nil {
		_, err = m.Marshal(resp)
	}
	if err != nil {
		return fmt.Errorf("warm up: REST JSON: %w", err)
	}
	return nil
}
