/**
 * Java client of the Telegent webhook facade.
 *
 * <p>The generated messages and stubs live in {@code telegent.webhook.v1} (the proto package);
 * this package adds what every caller needs around them:
 *
 * <ul>
 *   <li>{@link com.platform.telegent.client.TelegentChannels}: a channel builder that applies the
 *       published service config (timeout and retry policy) and sets a request id;
 *   <li>{@link com.platform.telegent.client.RequestIdInterceptor}: a fresh {@code request_id} per
 *       logical call, reused by the channel's retries;
 *   <li>{@link com.platform.telegent.client.FacadeErrors}: the field violations, the ErrorInfo
 *       reason, whether the outcome is unknown, and the retry delay of a failed call.
 * </ul>
 */
package com.platform.telegent.client;
