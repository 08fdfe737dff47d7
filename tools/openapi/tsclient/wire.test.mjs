// Real answers of a running facade (--dev: its embedded simulator) validate
// against the schema it serves at /openapi.json: 200, 400, 409 and 503
// (make openapi-client-test). FACADE_BIN names the facade binary.
import { spawn } from "node:child_process";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import Ajv2020 from "ajv/dist/2020.js";

const proc = spawn(process.env.FACADE_BIN, ["--dev", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"], {
  stdio: ["ignore", "pipe", "pipe"],
});
after(() => proc.kill("SIGTERM"));

const base = await new Promise((resolve, reject) => {
  let out = "";
  const onData = (chunk) => {
    out += chunk;
    for (const line of out.split("\n")) {
      try {
        const rec = JSON.parse(line);
        if (rec.msg === "serving") resolve("http://" + rec.http_addr);
      } catch {}
    }
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  proc.on("exit", (code) => reject(new Error("facade exited " + code + ": " + out)));
});

const doc = await (await fetch(base + "/openapi.json")).json();
// The components as one JSON Schema; OpenAPI's discriminator is a hint
// for generators, not a validation keyword.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: "doc", components: doc.components });
const schemaOf = (status) => {
  const op = doc.paths["/v1/webhooks"].post;
  let resp = op.responses[String(status)];
  if (resp.$ref) resp = doc.components.responses[resp.$ref.split("/").pop()];
  const ref = resp.content["application/json"].schema.$ref.replace("#/", "doc#/");
  return ajv.getSchema(ref);
};

// The document's own examples are valid bodies: every request example
// against its request schema, every 200 example against its answer's.
test("the examples match their schemas", () => {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const pairs = [op.responses["200"].content["application/json"]];
      if (op.requestBody) pairs.push(op.requestBody.content["application/json"]);
      for (const media of pairs) {
        const validate = ajv.getSchema(media.schema.$ref.replace("#/", "doc#/"));
        assert.ok(validate(media.example), `${method} ${path}: ` + JSON.stringify(validate.errors));
      }
    }
  }
});

const create = (body) =>
  fetch(base + "/v1/webhooks", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const valid = (url) => ({ accountId: "AID-1234567", webhookUrl: url, subscribedEvents: ["WEBHOOK_EVENT_NEW_SMS"] });

for (const [name, body, status] of [
  ["200", valid("https://hooks.example.com/wire"), 200],
  ["400 rules", { accountId: "AID-1", webhookUrl: "http://x", subscribedEvents: ["WEBHOOK_EVENT_NEW_SMS"] }, 400],
  ["400 unknown member", { AccountId: "AID-1" }, 400],
  ["400 enum name", { ...valid("https://hooks.example.com/e"), subscribedEvents: ["NEW_SMS"] }, 400],
  ["409", valid("https://hooks.example.com/c?sim-fault=status:409"), 409],
  ["503", valid("https://hooks.example.com/u?sim-fault=status:503"), 503],
]) {
  test(`a ${name} answer matches the served schema`, async () => {
    const resp = await create(body);
    const answer = await resp.json();
    assert.equal(resp.status, status, JSON.stringify(answer));
    const validate = schemaOf(status);
    assert.ok(validate(answer), JSON.stringify(validate.errors) + " " + JSON.stringify(answer));
    assert.ok(!JSON.stringify(answer).includes("null"), "no nulls on the wire: " + JSON.stringify(answer));
  });
}
