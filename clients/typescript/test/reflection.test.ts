// A client that knows nothing of the contract loads the service from the
// running facade's server reflection and calls it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { GrpcReflection } from "grpc-js-reflection-client";
import { Stack, hookUrl } from "./harness.js";

let stack: Stack;
before(async () => {
  stack = await Stack.start();
});
after(async () => {
  await stack?.stop();
});

test("loads WebhookService through server reflection and creates a webhook with it", async () => {
  const target = new URL(stack.grpcUrl).host;
  const reflection = new GrpcReflection(target, grpc.credentials.createInsecure());
  const services = await reflection.listServices();
  assert.ok(services.includes("telegent.webhook.v1.WebhookService"), `services: ${services.join(", ")}`);

  const descriptor = await reflection.getDescriptorBySymbol("telegent.webhook.v1.WebhookService");
  const service = descriptor.getProtobufJsRoot().lookupService("telegent.webhook.v1.WebhookService");
  assert.deepEqual(
    service.methodsArray.map((m) => m.name),
    ["CreateWebhook", "GetWebhook", "ListWebhooks", "UpdateWebhook", "DeleteWebhook"],
  );

  // Methods and client from the reflected protobuf.js root itself: the
  // library's own listMethods and getPackageObject re-encode the root as
  // descriptors, and that round
  // trip declares the contract's predefined rules (extensions of
  // buf.validate.StringRules) twice, which protobuf.js then refuses.
  const definition = protoLoader.fromJSON(descriptor.getProtobufJsRoot().toJSON(), {
    enums: String,
    longs: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition);
  const ServiceClient = (((pkg["telegent"] as grpc.GrpcObject)["webhook"] as grpc.GrpcObject)["v1"] as grpc.GrpcObject)[
    "WebhookService"
  ] as grpc.ServiceClientConstructor;
  const client = new ServiceClient(target, grpc.credentials.createInsecure());
  try {
    const url = hookUrl();
    const res = await new Promise<Record<string, Record<string, unknown>>>((resolve, reject) => {
      client["CreateWebhook"]!(
        {
          accountId: "AID-1234567",
          webhookUrl: url,
          subscribedEvents: ["WEBHOOK_EVENT_ORDER_UPDATE"],
        },
        (err: grpc.ServiceError | null, value: Record<string, Record<string, unknown>>) =>
          err ? reject(err) : resolve(value),
      );
    });
    assert.match(String(res["webhook"]?.["webhookId"]), /^WID-/);
    assert.equal(res["webhook"]?.["webhookUrl"], url);
    assert.deepEqual(res["webhook"]?.["subscribedEvents"], ["WEBHOOK_EVENT_ORDER_UPDATE"]);
  } finally {
    client.close();
  }
});
