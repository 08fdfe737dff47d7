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
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;

/**
 * Builds channels to the facade with its published service config applied (the per-call timeout
 * and the retry policy for {@code UNAVAILABLE} answers) and a fresh {@code request_id} on every
 * create that has none ({@link RequestIdInterceptor}), which the policy's retries resend.
 *
 * <p>The policy retries only what the facade invites it to (gRPC's retry pushback, from the
 * answer's {@code google.rpc.RetryInfo}): a failure that created nothing, and a create with a
 * {@code request_id} whose outcome is unknown, whose repeat the facade answers with the webhook
 * the first attempt made ({@link FacadeErrors#isRecovered}) or by creating it once. An unknown
 * outcome without a {@code request_id} is never retried: it could create a second webhook.
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
    return builder
        .defaultServiceConfig(serviceConfig())
        .enableRetry()
        .intercept(new RequestIdInterceptor());
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
