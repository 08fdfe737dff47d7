// End-to-end: the client against the real facade binary in front of the
// Telegent simulator, over gRPC from Node.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import {
  CreateWebhookRequestSchema,
  HttpMethod,
  WebhookEvent,
  WebhookService,
  errorInfo,
  errorInfoDomain,
  errorReason,
  fieldViolations,
  isOutcomeUnknown,
  type CreateWebhookRequest,
} from "../src/index.js";
import { createFacadeGrpcTransport, type FacadeGrpcTransportOptions } from "../src/node.js";
import { Stack, hookUrl } from "./harness.js";

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Records the request_id of every attempt that reaches the transport. */
function attemptRecorder(): { ids: string[]; interceptor: Interceptor } {
  const ids: string[] = [];
  return {
    ids,
    interceptor: (next) => async (req) => {
      if (!req.stream) {
        ids.push((req.message as CreateWebhookRequest).requestId);
      }
      return next(req);
    },
  };
}

function validRequest(webhookUrl: string): CreateWebhookRequest {
  return create(CreateWebhookRequestSchema, {
    accountId: "AID-1234567",
    webhookUrl,
    subscribedEvents: [WebhookEvent.NEW_SMS, WebhookEvent.CALL_COMPLETED],
  });
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `want a ConnectError, got ${String(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

describe("against the facade over gRPC", () => {
  let stack: Stack;
  const clientWith = (options: Omit<FacadeGrpcTransportOptions, "baseUrl"> = {}): Client<typeof WebhookService> =>
    createClient(WebhookService, createFacadeGrpcTransport({ baseUrl: stack.grpcUrl, ...options }));

  before(async () => {
    stack = await Stack.start();
  });
  after(async () => {
    await stack?.stop();
  });

  test("creates a webhook", async () => {
    const url = hookUrl();
    const res = await clientWith().createWebhook(validRequest(url));
    assert.match(res.webhook?.webhookId ?? "", /^WID-/);
    assert.equal(res.webhook?.accountId, "AID-1234567");
    assert.equal(res.webhook?.webhookUrl, url);
    assert.equal(res.webhook?.method, HttpMethod.POST);
    assert.deepEqual(res.webhook?.subscribedEvents, [WebhookEvent.NEW_SMS, WebhookEvent.CALL_COMPLETED]);
    assert.equal(await stack.createsFor(url), 1);
  });

  test("decodes every field violation of a request breaking three rules", async () => {
    const url = hookUrl();
    const err = await failure(
      clientWith().createWebhook({
        accountId: "ACC-1",
        webhookUrl: url,
        method: 7 as HttpMethod,
        subscribedEvents: [],
      }),
    );
    assert.equal(err.code, Code.InvalidArgument);
    const byField = new Map(fieldViolations(err).map((v) => [v.field, v]));
    assert.deepEqual([...byField.keys()].sort(), ["account_id", "method", "subscribed_events"]);
    assert.equal(byField.get("account_id")?.ruleId, "account_id.format");
    assert.equal(byField.get("method")?.ruleId, "enum.defined_only");
    assert.equal(byField.get("subscribed_events")?.ruleId, "repeated.min_items");
    for (const v of byField.values()) {
      assert.notEqual(v.message, "", `no message for ${v.field}`);
    }
    assert.equal(await stack.createsFor(url), 0);
  });

  test("answers an upstream 409 as ALREADY_EXISTS with reason UPSTREAM_CONFLICT", async () => {
    const err = await failure(clientWith().createWebhook(validRequest(hookUrl("status:409"))));
    assert.equal(err.code, Code.AlreadyExists);
    assert.equal(errorReason(err), "UPSTREAM_CONFLICT");
    assert.equal(errorInfo(err)?.domain, errorInfoDomain);
    assert.equal(errorInfo(err)?.metadata["upstream_status"], "409");
    assert.equal(isOutcomeUnknown(err), false);
  });

  test("recognises a failure whose outcome is unknown", async () => {
    const url = hookUrl("drop:after-body");
    const recorder = attemptRecorder();
    const err = await failure(
      clientWith({ requestId: false, interceptors: [recorder.interceptor] }).createWebhook(validRequest(url)),
    );
    assert.equal(err.code, Code.Unavailable);
    assert.equal(isOutcomeUnknown(err), true);
    // Without a request_id a repeat could create a second webhook: one attempt only.
    assert.equal(recorder.ids.length, 1);
    assert.equal(await stack.createsFor(url), 1);
  });

  test("retries an upstream 503 once, with the same request_id", async () => {
    const url = hookUrl("status:503;once");
    const recorder = attemptRecorder();
    const request = validRequest(url);
    const res = await clientWith({ interceptors: [recorder.interceptor] }).createWebhook(request);
    assert.match(res.webhook?.webhookId ?? "", /^WID-/);
    assert.equal(recorder.ids.length, 2);
    assert.match(recorder.ids[0] ?? "", uuidV4);
    assert.equal(recorder.ids[1], recorder.ids[0]);
    assert.equal(await stack.createsFor(url), 1);
    // The caller's message is left as it was.
    assert.equal(request.requestId, "");
  });

  test("repeats an upstream 500 only as creates the facade found missing: never a second webhook", async () => {
    // Telegent's 500 creates nothing here, but the facade cannot know that:
    // each repeat lists the account first and creates only when the webhook
    // is not there.
    const url = hookUrl("status:500");
    const recorder = attemptRecorder();
    const before = await stack.createsAttempted();
    const err = await failure(clientWith({ interceptors: [recorder.interceptor] }).createWebhook(validRequest(url)));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(isOutcomeUnknown(err), true);
    assert.equal(new Set(recorder.ids).size, 1, "every attempt carries the same request_id");
    assert.equal((await stack.createsAttempted()) - before, recorder.ids.length, "more creates than attempts");
    assert.equal(await stack.createsFor(url), 0);
  });

  test("makes one attempt on an upstream 500 when no request_id makes a repeat safe", async () => {
    const recorder = attemptRecorder();
    const before = await stack.createsAttempted();
    await failure(
      clientWith({ requestId: false, interceptors: [recorder.interceptor] }).createWebhook(
        validRequest(hookUrl("status:500")),
      ),
    );
    assert.deepEqual(recorder.ids, [""]);
    assert.equal((await stack.createsAttempted()) - before, 1);
  });

  test("a repeat with the caller's request_id gets the first webhook back", async () => {
    const url = hookUrl();
    const requestId = crypto.randomUUID();
    const client = clientWith();
    const first = await client.createWebhook({ ...validRequest(url), requestId });
    const again = await client.createWebhook({ ...validRequest(url), requestId });
    assert.equal(again.webhook?.webhookId, first.webhook?.webhookId);
    assert.equal(await stack.createsFor(url), 1);
    const reused = await failure(client.createWebhook({ ...validRequest(hookUrl()), requestId }));
    assert.equal(reused.code, Code.InvalidArgument);
    assert.equal(errorReason(reused), "REQUEST_ID_REUSED");
  });

  test("gives each logical call its own request_id and keeps the caller's", async () => {
    const recorder = attemptRecorder();
    const client = clientWith({ interceptors: [recorder.interceptor] });
    await client.createWebhook(validRequest(hookUrl()));
    await client.createWebhook(validRequest(hookUrl()));
    const mine = crypto.randomUUID();
    await client.createWebhook({ ...validRequest(hookUrl()), requestId: mine });
    assert.equal(recorder.ids.length, 3);
    assert.notEqual(recorder.ids[0], recorder.ids[1]);
    assert.equal(recorder.ids[2], mine);
  });
});
