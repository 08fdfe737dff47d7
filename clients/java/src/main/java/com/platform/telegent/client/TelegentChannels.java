package com.platform.telegent.client;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import telegent.webhook.v1.WebhookServiceGrpc;

/**
 * Builds channels to the facade with its published service config applied: the per-call timeout
 * and the retry policy for {@code UNAVAILABLE} answers; a fresh {@code request_id} on every create
 * that has none ({@link RequestIdInterceptor}); and the repeat, with that id, of a create whose
 * outcome is unknown ({@link OutcomeUnknownRepeatInterceptor}).
 *
 * <pre>{@code
 * ManagedChannel channel = TelegentChannels.forTarget("facade.internal:9090").build();
 * WebhookServiceGrpc.WebhookServiceBlockingStub stub = WebhookServiceGrpc.newBlockingStub(channel);
 * }</pre>
 *
 * <p>A service config sent by the name resolver still takes precedence over this default, as gRPC
 * specifies. The builder uses TLS unless the caller asks for {@code usePlaintext()}, which a
 * facade started with {@code --dev} (or {@code make run}) needs: it serves gRPC in plain text.
 */
public final class TelegentChannels {
  /** The class-path resource that holds the published service config. */
  static final String SERVICE_CONFIG_RESOURCE = "service_config.json";

  private static final String SERVICE_NAME = WebhookServiceGrpc.SERVICE_NAME;

  private static final Map<String, ?> SERVICE_CONFIG = loadServiceConfig();

  private TelegentChannels() {}

  /**
   * A channel builder for the facade at {@code target} with the published service config as its
   * default, retries enabled and {@link RequestIdInterceptor} installed.
   *
   * @param target a gRPC target, e.g. {@code dns:///facade.internal:9090}
   * @return the builder, for further settings (credentials, plaintext, executors)
   */
  public static ManagedChannelBuilder<?> forTarget(String target) {
    return configure(ManagedChannelBuilder.forTarget(target));
  }

  /**
   * Applies the published service config as the default, enables retries and installs {@link
   * RequestIdInterceptor} on a builder the caller made, e.g. a {@code NettyChannelBuilder} with
   * custom TLS settings.
   *
   * @param builder any channel builder
   * @return the same builder
   */
  public static ManagedChannelBuilder<?> configure(ManagedChannelBuilder<?> builder) {
    // Interceptors added later run first: the request id is set once per logical call,
    // before the repeat of an unknown outcome, which must resend the same id.
    return builder
        .defaultServiceConfig(serviceConfig())
        .enableRetry()
        .intercept(outcomeUnknownRepeat())
        .intercept(new RequestIdInterceptor());
  }

  /**
   * The repeat of creates whose outcome is unknown, within the published retry policy of
   * CreateWebhook: as many attempts in all, with its backoff.
   *
   * @return the interceptor {@link #configure} installs
   */
  public static OutcomeUnknownRepeatInterceptor outcomeUnknownRepeat() {
    Map<String, ?> policy = createRetryPolicy();
    return new OutcomeUnknownRepeatInterceptor(
        number(policy, "maxAttempts", 3).intValue(),
        duration(policy, "initialBackoff", Duration.ofMillis(200)),
        duration(policy, "maxBackoff", Duration.ofSeconds(2)),
        number(policy, "backoffMultiplier", 2).doubleValue());
  }

  /** The retryPolicy of the method config naming CreateWebhook, or an empty map. */
  private static Map<String, ?> createRetryPolicy() {
    if (!(SERVICE_CONFIG.get("methodConfig") instanceof List<?> methods)) {
      return Map.of();
    }
    for (Object method : methods) {
      if (!(method instanceof Map<?, ?> config) || !(config.get("name") instanceof List<?> names)) {
        continue;
      }
      for (Object name : names) {
        if (name instanceof Map<?, ?> n
            && SERVICE_NAME.equals(n.get("service"))
            && (n.get("method") == null || "CreateWebhook".equals(n.get("method")))
            && config.get("retryPolicy") instanceof Map<?, ?> policy) {
          @SuppressWarnings("unchecked") // JSON objects parse as Map<String, Object>
          Map<String, ?> typed = (Map<String, ?>) policy;
          return typed;
        }
      }
    }
    return Map.of();
  }

  private static Number number(Map<String, ?> policy, String key, Number fallback) {
    return policy.get(key) instanceof Number n ? n : fallback;
  }

  /** A service config duration ("0.2s") as a Duration. */
  private static Duration duration(Map<String, ?> policy, String key, Duration fallback) {
    if (policy.get(key) instanceof String s && s.endsWith("s")) {
      try {
        return Duration.ofNanos(new BigDecimal(s.substring(0, s.length() - 1)).movePointRight(9).longValueExact());
      } catch (NumberFormatException | ArithmeticException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /**
   * The published service config, in the form {@link
   * ManagedChannelBuilder#defaultServiceConfig(Map)} takes (JSON numbers as {@code Double}).
   *
   * @return an unmodifiable view of the config
   */
  public static Map<String, ?> serviceConfig() {
    return SERVICE_CONFIG;
  }

  private static Map<String, ?> loadServiceConfig() {
    try (InputStream in = TelegentChannels.class.getResourceAsStream(SERVICE_CONFIG_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("load service config: resource " + SERVICE_CONFIG_RESOURCE + " missing");
      }
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        // Gson reads JSON numbers as Double, objects as Map and arrays as List:
        // exactly the types gRPC's service config parser accepts.
        Map<String, Object> config =
            new Gson().fromJson(reader, new TypeToken<Map<String, Object>>() {}.getType());
        if (config == null) {
          throw new IllegalStateException("load service config: resource " + SERVICE_CONFIG_RESOURCE + " is empty");
        }
        return Collections.unmodifiableMap(config);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("load service config: " + e.getMessage(), e);
    } catch (JsonParseException e) {
      throw new IllegalStateException("parse service config: " + e.getMessage(), e);
    }
  }
}
