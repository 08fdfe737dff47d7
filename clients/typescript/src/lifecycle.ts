// Helpers around the webhook methods beyond what the generated client gives:
// every webhook of an account across ListWebhooks' pages, and whether a
// create's answer was recovered from an earlier attempt or replayed.

import type { CallOptions, Client } from "@connectrpc/connect";
import type { CreateWebhookResponse, Webhook, WebhookService } from "../gen/telegent/webhook/v1/webhook_pb.js";

/** Options of {@link listAllWebhooks}. */
export interface ListAllWebhooksOptions extends CallOptions {
  /** Webhooks per page; 0 (the default) lets the facade choose (50). */
  readonly pageSize?: number;
}

/**
 * Every webhook of the account, in the facade's order (by webhook_id),
 * following `next_page_token` page after page. Each page is one call with
 * the client's transport and policy; an error ends the iteration.
 */
export async function* listAllWebhooks(
  client: Client<typeof WebhookService>,
  accountId: string,
  options: ListAllWebhooksOptions = {},
): AsyncGenerator<Webhook, void, undefined> {
  const { pageSize = 0, ...callOptions } = options;
  let pageToken = "";
  do {
    const page = await client.listWebhooks({ accountId, pageSize, pageToken }, callOptions);
    yield* page.webhooks;
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
}

/**
 * Whether the facade answered this create by finding the webhook an earlier
 * attempt with the same request_id had created (that attempt's outcome was
 * unknown), rather than by creating one.
 */
export function isRecovered(res: Pick<CreateWebhookResponse, "recovered">): boolean {
  return res.recovered;
}

/**
 * Whether the facade answered this create from an earlier call with the same
 * request_id (a retry, or a repeat on another replica) without calling
 * Telegent again.
 */
export function isReplayed(res: Pick<CreateWebhookResponse, "replayed">): boolean {
  return res.replayed;
}
