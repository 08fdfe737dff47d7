// End-to-end: every webhook method through the client, against the real
// facade in front of the Telegent simulator, over gRPC from Node; and the
// default policy resolving a create whose outcome was unknown.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import {
  AuthenticationType,
  WebhookEvent,
  WebhookService,
  errorReason,
  isOutcomeUnknown,
  isRecovered,
  isReplayed,
  listAllWebhooks,
  type CreateWebhookRequest,
  type Webhook,
} from "../src/index.js";
import { createFacadeGrpcTransport, type FacadeGrpcTransportOptions } from "../src/node.js";
import { Stack, hookUrl } from "./harness.js";

/** An account no other test uses, so that its list holds only this test's webhooks. */
function newAccount(): string {
  return `AID-${randomBytes(8).toString("hex")}`;
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

async function all(client: Client<typeof WebhookService>, accountId: string, pageSize = 0): Promise<Webhook[]> {
  const out: Webhook[] = [];
  for await (const w of listAllWebhooks(client, accountId, { pageSize })) {
    out.push(w);
  }
  return out;
}

describe("webhook methods against the facade over gRPC", () => {
  let stack: Stack;
  const clientWith = (options: Omit<FacadeGrpcTransportOptions, "baseUrl"> = {}): Client<typeof WebhookService> =>
    createClient(WebhookService, createFacadeGrpcTransport({ baseUrl: stack.grpcUrl, ...options }));

  before(async () => {
    stack = await Stack.start();
  });
  after(async () => {
    await stack?.stop();
  });

  test("a create repeated with its request_id is answered from the first call, marked replayed", async () => {
    const client = clientWith();
    const request = { accountId: newAccount(), webhookUrl: hookUrl(), subscribedEvents: [WebhookEvent.ORDER_UPDATE], requestId: randomUUID() };
    const first = await client.createWebhook(request);
    const again = await client.createWebhook(request);
    assert.equal(isReplayed(first), false);
    assert.equal(isReplayed(again), true);
    assert.equal(again.webhook?.webhookId, first.webhook?.webhookId);
  });

  test("create, list, get, update the password only, delete, then get and delete are NOT_FOUND", async () => {
    const client = clientWith();
    const accountId = newAccount();
    const url = hookUrl();
    const events = [WebhookEvent.NEW_SMS, WebhookEvent.CALL_COMPLETED];
    const created = await client.createWebhook({
      accountId,
      webhookUrl: url,
      authenticationType: AuthenticationType.BASIC,
      authenticationUsername: "hook-user",
      authenticationPassword: "first-s3cret",
      subscribedEvents: events,
    });
    assert.equal(isRecovered(created), false);
    const id = created.webhook?.webhookId ?? "";
    assert.match(id, /^WID-/);
    assert.equal(created.webhook?.passwordSet, true);

    const listed = await all(client, accountId);
    assert.deepEqual(
      listed.map((w) => w.webhookId),
      [id],
    );
    assert.equal(listed[0]?.webhookUrl, url);
    assert.deepEqual(listed[0]?.subscribedEvents, events);

    const got = await client.getWebhook({ accountId, webhookId: id });
    assert.equal(got.webhook?.webhookUrl, url);
    assert.equal(got.webhook?.authenticationType, AuthenticationType.BASIC);
    assert.equal(got.webhook?.authenticationUsername, "hook-user");
    assert.equal(got.webhook?.passwordSet, true);

    // No mask and no settings: only the password changes.
    const updated = await client.updateWebhook({ accountId, webhookId: id, authenticationPassword: "second-s3cret" });
    assert.equal(updated.webhook?.webhookId, id);
    assert.equal(updated.webhook?.webhookUrl, url);
    assert.deepEqual(updated.webhook?.subscribedEvents, events);
    assert.equal(updated.webhook?.authenticationUsername, "hook-user");
    assert.equal(updated.webhook?.passwordSet, true);
    const afterUpdate = await all(client, accountId);
    assert.equal(afterUpdate.length, 1);
    assert.equal(afterUpdate[0]?.webhookUrl, url);
    assert.deepEqual(afterUpdate[0]?.subscribedEvents, events);
    // No answer carries a password, whatever the field names.
    assert.doesNotMatch(JSON.stringify([created, got, updated, afterUpdate], (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)), /s3cret/);

    await client.deleteWebhook({ accountId, webhookId: id });
    const gone = await failure(client.getWebhook({ accountId, webhookId: id }));
    assert.equal(gone.code, Code.NotFound);
    assert.equal(errorReason(gone), "WEBHOOK_NOT_FOUND");
    const creates = await stack.createsAttempted();
    const again = await failure(client.deleteWebhook({ accountId, webhookId: id }));
    assert.equal(again.code, Code.NotFound);
    assert.equal(errorReason(again), "WEBHOOK_NOT_FOUND");
    assert.equal(await stack.createsAttempted(), creates, "a delete sent a create");
    assert.deepEqual(await all(client, accountId), []);
  });

  test("lists every webhook across pages, in webhook_id order", async () => {
    const client = clientWith();
    const accountId = newAccount();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client.createWebhook({ accountId, webhookUrl: hookUrl(), subscribedEvents: [WebhookEvent.NEW_SMS] });
      ids.push(res.webhook?.webhookId ?? "");
    }
    const firstPage = await client.listWebhooks({ accountId, pageSize: 2 });
    assert.equal(firstPage.webhooks.length, 2);
    assert.notEqual(firstPage.nextPageToken, "");
    const listed = (await all(client, accountId, 2)).map((w) => w.webhookId);
    assert.deepEqual(new Set(listed), new Set(ids));
    assert.equal(listed.length, ids.length);
    assert.deepEqual(listed, [...listed].sort());
  });

  test("the default policy repeats an outcome-unknown create with its request_id; the facade answers recovered", async () => {
    const ids: string[] = [];
    const recorder: Interceptor = (next) => async (req) => {
      ids.push((req.message as CreateWebhookRequest).requestId);
      return next(req);
    };
    const url = hookUrl("drop:after-body");
    const res = await clientWith({ interceptors: [recorder] }).createWebhook({
      accountId: newAccount(),
      webhookUrl: url,
      subscribedEvents: [WebhookEvent.NEW_SMS],
    });
    assert.equal(isRecovered(res), true);
    assert.match(res.webhook?.webhookId ?? "", /^WID-/);
    assert.equal(res.webhook?.webhookUrl, url);
    assert.ok(ids.length >= 2, `want a repeat, got ${ids.length} attempt(s)`);
    assert.equal(new Set(ids).size, 1, "every attempt carries the same request_id");
    assert.equal(await stack.createsFor(url), 1, "Telegent saw more than one create");
  });

  test("without a request_id an outcome-unknown create is not repeated", async () => {
    const url = hookUrl("drop:after-body");
    const err = await failure(
      clientWith({ requestId: false }).createWebhook({ accountId: newAccount(), webhookUrl: url, subscribedEvents: [WebhookEvent.NEW_SMS] }),
    );
    assert.equal(isOutcomeUnknown(err), true);
    assert.equal(await stack.createsFor(url), 1);
  });
});
