// Connect and gRPC-Web against the facade's HTTP port: the browser
// transports (fetch-based, @connectrpc/connect-web) run from Node through a
// fetch that enforces CORS as a page on another origin would see it, and
// Node's own transports (@connectrpc/connect-node).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  WebhookService,
  errorReason,
  fieldViolations,
  isOutcomeUnknown,
  isRecovered,
  listAllWebhooks,
  type CreateWebhookRequest,
} from "../src/index.js";
import { createFacadeConnectTransport, createFacadeGrpcWebTransport } from "../src/web.js";
import { createFacadeConnectNodeTransport, createFacadeGrpcWebNodeTransport } from "../src/node.js";
import type { PolicyOptions } from "../src/policy.js";
import { Stack, hookUrl } from "./harness.js";
import { browserFetch } from "./browser-fetch.js";

const pageOrigin = "https://app.example.com";

const transports: Record<string, (baseUrl: string, options: PolicyOptions) => Transport> = {
  "Connect from a page": (baseUrl, options) =>
    createFacadeConnectTransport({ baseUrl, fetch: browserFetch(pageOrigin), ...options }),
  "gRPC-Web from a page": (baseUrl, options) =>
    createFacadeGrpcWebTransport({ baseUrl, fetch: browserFetch(pageOrigin), ...options }),
  "Connect from Node": (baseUrl, options) =>
    createFacadeConnectNodeTransport({ baseUrl, httpVersion: "1.1", ...options }),
  "gRPC-Web from Node": (baseUrl, options) =>
    createFacadeGrpcWebNodeTransport({ baseUrl, httpVersion: "1.1", ...options }),
};

const request = (webhookUrl: string) => ({
  accountId: "AID-1234567",
  webhookUrl,
  subscribedEvents: [1, 2],
});

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, `want a ConnectError, got ${String(err)}`);
    return err;
  }
  assert.fail("the call succeeded");
}

let stack: Stack;
before(async () => {
  stack = await Stack.start(["--cors-allowed-origins", pageOrigin]);
});
after(async () => {
  await stack?.stop();
});

for (const [name, make] of Object.entries(transports)) {
  describe(`over ${name} on the HTTP port`, () => {
    const client = (options: PolicyOptions = {}) => createClient(WebhookService, make(stack.httpUrl, options));

    test("creates a webhook", async () => {
      const url = hookUrl();
      const res = await client().createWebhook(request(url));
      assert.match(res.webhook?.webhookId ?? "", /^WID-/);
      assert.equal(res.webhook?.webhookUrl, url);
      assert.equal(await stack.createsFor(url), 1);
    });

    test("decodes the field violations", async () => {
      const err = await failure(client().createWebhook({ accountId: "nope", webhookUrl: hookUrl(), subscribedEvents: [] }));
      assert.equal(err.code, Code.InvalidArgument);
      assert.deepEqual(
        fieldViolations(err)
          .map((v) => `${v.field} ${v.ruleId}`)
          .sort(),
        ["account_id account_id.format", "subscribed_events repeated.min_items"],
      );
    });

    test("answers an upstream 409 as ALREADY_EXISTS with reason UPSTREAM_CONFLICT", async () => {
      const err = await failure(client().createWebhook(request(hookUrl("status:409"))));
      assert.equal(err.code, Code.AlreadyExists);
      assert.equal(errorReason(err), "UPSTREAM_CONFLICT");
    });

    test("recognises an outcome-unknown failure", async () => {
      const url = hookUrl("drop:after-body");
      const err = await failure(client({ requestId: false }).createWebhook(request(url)));
      assert.equal(isOutcomeUnknown(err), true);
      assert.equal(await stack.createsFor(url), 1);
    });

    test("creates, lists, gets, updates, deletes, then gets NOT_FOUND", async () => {
      const c = client();
      const accountId = `AID-${crypto.randomUUID().replaceAll("-", "")}`;
      const url = hookUrl();
      const created = await c.createWebhook({ ...request(url), accountId });
      assert.equal(isRecovered(created), false);
      const webhookId = created.webhook?.webhookId ?? "";
      const listed: string[] = [];
      for await (const w of listAllWebhooks(c, accountId)) {
        listed.push(w.webhookId);
      }
      assert.deepEqual(listed, [webhookId]);
      assert.equal((await c.getWebhook({ accountId, webhookId })).webhook?.webhookUrl, url);
      const updated = await c.updateWebhook({ accountId, webhookId, webhook: { webhookUrl: `${url}/v2` }, updateMask: { paths: ["webhook_url"] } });
      assert.equal(updated.webhook?.webhookUrl, `${url}/v2`);
      assert.deepEqual(updated.webhook?.subscribedEvents, created.webhook?.subscribedEvents);
      await c.deleteWebhook({ accountId, webhookId });
      const gone = await failure(c.getWebhook({ accountId, webhookId }));
      assert.equal(gone.code, Code.NotFound);
      assert.equal(errorReason(gone), "WEBHOOK_NOT_FOUND");
    });

    test("retries an upstream 503 once with the same request_id", async () => {
      const ids: string[] = [];
      const record: Interceptor = (next) => async (req) => {
        ids.push((req.message as CreateWebhookRequest).requestId);
        return next(req);
      };
      const url = hookUrl("status:503;once");
      const res = await client({ interceptors: [record] }).createWebhook(request(url));
      assert.match(res.webhook?.webhookId ?? "", /^WID-/);
      assert.equal(ids.length, 2);
      assert.notEqual(ids[0], "");
      assert.equal(ids[1], ids[0]);
      assert.equal(await stack.createsFor(url), 1);
    });
  });
}

test("a page on an origin the facade does not allow is refused", async () => {
  const transport = createFacadeConnectTransport({ baseUrl: stack.httpUrl, fetch: browserFetch("https://evil.example.com") });
  const url = hookUrl();
  const err = await failure(createClient(WebhookService, transport).createWebhook(request(url)));
  assert.match(err.message, /CORS/);
  assert.equal(await stack.createsFor(url), 0);
});
