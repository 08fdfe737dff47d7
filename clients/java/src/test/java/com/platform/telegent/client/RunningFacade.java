package com.platform.telegent.client;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real facade binary running against the real Telegent simulator, both on free loopback
 * ports, started and stopped by the tests.
 *
 * <p>The binaries come from {@code FACADE_BIN} and {@code TELEGENT_SIM_BIN}, or from the
 * repository's {@code .tmp/bin} (the system property {@code telegent.binDir}). When they are
 * absent (a plain {@code mvn install} of the client, which builds no Go), the tests that need them
 * are skipped with a message saying how to run them.
 */
final class RunningFacade implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Process sim;
  private final Process facade;
  private final int grpcPort;
  private final URI simBase;

  private RunningFacade(Process sim, Process facade, int grpcPort, URI simBase) {
    this.sim = sim;
    this.facade = facade;
    this.grpcPort = grpcPort;
    this.simBase = simBase;
  }

  /** Starts the simulator, then the facade against it, and waits until the facade is ready. */
  static RunningFacade start(Path logDir) throws IOException, InterruptedException {
    Files.createDirectories(logDir);
    int simPort = freePort();
    int grpcPort = freePort();
    int httpPort = freePort();
    URI simBase = URI.create("http://127.0.0.1:" + simPort);

    ProcessBuilder simBuilder =
        new ProcessBuilder(binary("TELEGENT_SIM_BIN", "telegent-sim"), "--addr", "127.0.0.1:" + simPort)
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve("telegent-sim.log").toFile());
    Process sim = simBuilder.start();
    Process facade = null;
    try {
      RunningFacade probe = new RunningFacade(sim, null, grpcPort, simBase);
      probe.awaitOk(simBase.resolve("/healthz"), sim);

      ProcessBuilder facadeBuilder =
          new ProcessBuilder(
                  binary("FACADE_BIN", "telegent-facade"),
                  "--grpc-addr", "127.0.0.1:" + grpcPort,
                  "--http-addr", "127.0.0.1:" + httpPort,
                  "--telegent-base-url", simBase.toString())
              .redirectErrorStream(true)
              .redirectOutput(logDir.resolve("telegent-facade.log").toFile());
      facadeBuilder.environment().put("TELEGENT_ACCOUNT_KEY", "DID-sim-key");
      facadeBuilder.environment().put("TELEGENT_ACCOUNT_SECRET", "sim-secret");
      // Nothing balances load across these tests' facade: it may stop at once.
      facadeBuilder.environment().put("SHUTDOWN_DELAY", "0s");
      facade = facadeBuilder.start();
      probe.awaitOk(URI.create("http://127.0.0.1:" + httpPort + "/readyz"), facade);
      return new RunningFacade(sim, facade, grpcPort, simBase);
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop(facade);
      stop(sim);
      throw e;
    }
  }

  /** The facade's gRPC target. */
  String grpcTarget() {
    return "127.0.0.1:" + grpcPort;
  }

  /** How many webhooks the simulator stored for this exact WebhookUrl. */
  long createsFor(String webhookUrl) throws IOException, InterruptedException {
    Map<String, Double> counts = getJson("/_sim/creates-by-url", new TypeToken<Map<String, Double>>() {});
    return counts.getOrDefault(webhookUrl, 0.0).longValue();
  }

  /** The webhooks the simulator stores for the account, secrets included, in Telegent's JSON names. */
  List<Map<String, Object>> storedWebhooks(String accountId) throws IOException, InterruptedException {
    return getJson(
        "/_sim/webhooks?AccountId=" + URLEncoder.encode(accountId, StandardCharsets.UTF_8),
        new TypeToken<List<Map<String, Object>>>() {});
  }

  /** The simulator's counters (createsAttempted, createsAccepted, ...). */
  Map<String, Double> counters() throws IOException, InterruptedException {
    return getJson("/_sim/counters", new TypeToken<Map<String, Double>>() {});
  }

  /** A webhook URL on hooks.example.com, unique per call, carrying a simulator fault spec. */
  static String hookUrl(String name, String faultSpec) {
    String url = "https://hooks.example.com/java/" + name + "-" + UUID.randomUUID();
    if (faultSpec.isEmpty()) {
      return url;
    }
    return url + "?sim-fault=" + URLEncoder.encode(faultSpec, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    stop(facade);
    stop(sim);
  }

  private <T> T getJson(String path, TypeToken<T> type) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(simBase.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("get " + path + ": status " + response.statusCode());
    }
    return new Gson().fromJson(response.body(), type.getType());
  }

  /** Polls url until it answers 200; fails when the process exits or the start timeout passes. */
  private void awaitOk(URI url, Process process) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("wait for " + url + ": process exited with " + process.exitValue());
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new IOException("wait for " + url + ": not ready after " + START_TIMEOUT, last);
  }

  private static void stop(Process process) throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy(); // SIGTERM: the facade drains and exits 0
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /**
   * Why tests that need the binaries cannot run, or empty when both binaries are there.
   */
  static Optional<String> missingBinaries() {
    for (String[] bin : new String[][] {{"FACADE_BIN", "telegent-facade"}, {"TELEGENT_SIM_BIN", "telegent-sim"}}) {
      String path = binary(bin[0], bin[1]);
      if (!Files.isExecutable(Path.of(path))) {
        return Optional.of(
            "skipped: "
                + path
                + " is missing; `make test-java-client` builds the Go binaries and runs these tests"
                + " (or set "
                + bin[0]
                + " and "
                + (bin[0].equals("FACADE_BIN") ? "TELEGENT_SIM_BIN" : "FACADE_BIN")
                + ")");
      }
    }
    return Optional.empty();
  }

  /**
   * Starts the facade for a test class, or returns null after saying why on stderr when the
   * binaries are missing; the class's tests then call {@link #assumeRunning}.
   */
  static RunningFacade startIfPresent(String testClass, Path logDir) throws IOException, InterruptedException {
    Optional<String> missing = missingBinaries();
    if (missing.isPresent()) {
      System.err.println(testClass + ": " + missing.get());
      return null;
    }
    return start(logDir);
  }

  /** Skips the calling test, with the reason, when the binaries are missing. */
  static void assumeRunning(RunningFacade facade) {
    Assumptions.assumeTrue(facade != null, () -> missingBinaries().orElse("skipped: the facade did not start"));
  }

  static String binary(String envName, String name) {
    String fromEnv = System.getenv(envName);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    String binDir = System.getProperty("telegent.binDir", "../../.tmp/bin");
    return Path.of(binDir, name).toAbsolutePath().normalize().toString();
  }

  /** A port that was free a moment ago: bind to :0, read the port, close. */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
