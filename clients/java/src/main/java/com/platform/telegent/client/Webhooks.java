package com.platform.telegent.client;

import java.util.ArrayList;
import java.util.List;
import telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest;
import telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse;
import telegent.webhook.v1.WebhookOuterClass.Webhook;
import telegent.webhook.v1.WebhookServiceGrpc.WebhookServiceBlockingStub;

/** Helpers around the webhook methods beyond what the generated stubs give. */
public final class Webhooks {
  private Webhooks() {}

  /**
   * Every webhook of the account, in the facade's order (by {@code webhook_id}), following {@code
   * next_page_token} page after page. Each page is one call with the stub's channel, deadline and
   * policy; a failed page fails the whole listing.
   *
   * @param stub a stub on a channel to the facade
   * @param accountId the account, e.g. {@code AID-1234567}
   * @return the webhooks
   * @throws io.grpc.StatusRuntimeException when a page fails
   */
  public static List<Webhook> listAll(WebhookServiceBlockingStub stub, String accountId) {
    return listAll(stub, accountId, 0);
  }

  /**
   * Every webhook of the account, as {@link #listAll(WebhookServiceBlockingStub, String)}, with
   * at most {@code pageSize} webhooks per call.
   *
   * @param stub a stub on a channel to the facade
   * @param accountId the account, e.g. {@code AID-1234567}
   * @param pageSize webhooks per page; 0 lets the facade choose (50), at most 100 are used
   * @return the webhooks
   * @throws io.grpc.StatusRuntimeException when a page fails
   */
  public static List<Webhook> listAll(WebhookServiceBlockingStub stub, String accountId, int pageSize) {
    List<Webhook> all = new ArrayList<>();
    String pageToken = "";
    do {
      ListWebhooksResponse page =
          stub.listWebhooks(
              ListWebhooksRequest.newBuilder().setAccountId(accountId).setPageSize(pageSize).setPageToken(pageToken).build());
      all.addAll(page.getWebhooksList());
      pageToken = page.getNextPageToken();
    } while (!pageToken.isEmpty());
    return all;
  }
}
