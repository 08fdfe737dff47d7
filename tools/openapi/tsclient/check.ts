// Compiled with tsc --strict against the types openapi-typescript writes,
// with its default options, from the published document (make
// openapi-client-test). Each line states what a team's generated REST
// client must allow or refuse; a @ts-expect-error line fails the build if
// its error goes away.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type CreateBody = components["schemas"]["telegent.webhook.v1.CreateWebhookRequest"];
type Status = components["schemas"]["google.rpc.Status"];

// Only the three required fields: optional fields stay optional.
export const minimal: CreateBody = {
  accountId: "AID-1234567",
  webhookUrl: "https://hooks.example.com/telegent",
  subscribedEvents: ["WEBHOOK_EVENT_NEW_SMS"],
};

export const full: CreateBody = {
  ...minimal,
  method: "HTTP_METHOD_PUT",
  dataFormat: "DATA_FORMAT_XML",
  authenticationType: "AUTHENTICATION_TYPE_TOKEN",
  authenticationToken: "t",
};

// @ts-expect-error a method is a string enum of its names, never a number
export const numeric: CreateBody = { ...minimal, method: 1 };

// @ts-expect-error HTTP_METHOD_GET is not a method
export const get: CreateBody = { ...minimal, method: "HTTP_METHOD_GET" };

// @ts-expect-error the unset event is refused
export const unset: CreateBody = { ...minimal, subscribedEvents: ["WEBHOOK_EVENT_UNSPECIFIED"] };

// An error's details narrow by "@type" to reach the field violations.
export function fieldViolations(status: Status): { field: string; description: string }[] {
  const out: { field: string; description: string }[] = [];
  for (const d of status.details ?? []) {
    if (d["@type"] === "type.googleapis.com/google.rpc.BadRequest") {
      for (const v of d.fieldViolations ?? []) {
        out.push({ field: v.field ?? "", description: v.description ?? "" });
      }
    }
  }
  return out;
}

// The response's webhook fields are there without checks.
export async function create(baseUrl: string): Promise<string> {
  const client = createClient<paths>({ baseUrl });
  const { data, error } = await client.POST("/v1/webhooks", { body: minimal });
  if (error) {
    return fieldViolations(error).map((v) => v.field).join(",");
  }
  const id: string = data.webhook?.webhookId ?? "";
  const events: string[] = data.webhook?.subscribedEvents ?? [];
  return id + events.join(",");
}

// An update names the webhook in the path: its body needs neither id, and
// the webhook in it only the settings that change.
export async function update(baseUrl: string): Promise<string> {
  const client = createClient<paths>({ baseUrl });
  const { data } = await client.PATCH("/v1/accounts/{account_id}/webhooks/{webhook_id}", {
    params: { path: { account_id: "AID-1234567", webhook_id: "WID-1000001" } },
    body: { webhook: { webhookUrl: "https://hooks.example.com/v2" }, updateMask: "webhookUrl" },
  });
  return data?.webhook?.webhookUrl ?? "";
}

// A listed page's webhooks are typed, their enums by name.
export async function methods(baseUrl: string): Promise<("HTTP_METHOD_UNSPECIFIED" | "HTTP_METHOD_POST" | "HTTP_METHOD_PUT")[]> {
  const client = createClient<paths>({ baseUrl });
  const { data } = await client.GET("/v1/accounts/{account_id}/webhooks", {
    params: { path: { account_id: "AID-1234567" }, query: { pageSize: 10 } },
  });
  return (data?.webhooks ?? []).map((w) => w.method);
}
