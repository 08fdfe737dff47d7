/**
 * Java client of the Telegent webhook facade.
 *
 * <p>The generated messages and stubs live in {@code telegent.webhook.v1} (the proto package): the
 * messages and enums nested in {@code WebhookOuterClass}, the stubs in {@code
 * WebhookServiceGrpc}. This package adds what every caller needs around them:
 *
 * <ul>
 *   <li>{@link com.platform.telegent.client.TelegentChannels}: a channel builder that applies the
 *       published service config (timeout and retry policy, which also repeats a create whose
 *       outcome is unknown when the facade invites it) and sets a request id;
 *   <li>{@link com.platform.telegent.client.RequestIdInterceptor}: a fresh {@code request_id} per
 *       logical call, reused by the channel's retries;
 *   <li>{@link com.platform.telegent.client.FacadeErrors}: the field violations, the ErrorInfo
 *       reason and metadata, whether the outcome is unknown, the retry delay of a failed call, and
 *       whether a create's answer was recovered;
 *   <li>{@link com.platform.telegent.client.Webhooks}: every webhook of an account across the
 *       pages of {@code ListWebhooks}.
 * </ul>
 */
package com.platform.telegent.client;
