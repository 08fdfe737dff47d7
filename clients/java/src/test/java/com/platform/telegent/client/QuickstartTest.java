package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart as a new user runs it: its {@code pom.xml} and program copied verbatim
 * into an empty directory outside the repository, the client installed from {@code dist/} with the
 * README's {@code install:install-file} command, then compiled and run with the README's command
 * against {@code telegent-facade --dev} on free ports.
 *
 * <p>Runs when {@code make test-java-client} passes {@code telegent.distDir} (after {@code make
 * dist-java}); skipped otherwise. Maven resolves into the same local repository as this build
 * ({@code telegent.localRepository}), so the grpc-java dependencies are the ones already there;
 * the client itself is removed from it first, so only the jar from {@code dist/} can satisfy the
 * quickstart.
 */
class QuickstartTest {
  private static final Duration MAVEN_TIMEOUT = Duration.ofMinutes(5);
  private static final Pattern DEV_ADDRESSES = Pattern.compile("gRPC\\s+(\\S+)\\s+REST\\s+http://(\\S+)");

  @Test
  void theReadmeQuickstartRunsAgainstTheDevFacade(@TempDir Path home) throws Exception {
    String distDir = System.getProperty("telegent.distDir", "");
    Assumptions.assumeFalse(
        distDir.isEmpty(), "skipped: needs the jar from dist/; `make test-java-client` builds it and runs this test");
    RunningFacade.missingBinaries().ifPresent(reason -> Assumptions.abort(reason));
    Path dist = Path.of(distDir);
    Path repoRoot = dist.getParent();
    String readme = Files.readString(Path.of(System.getProperty("telegent.readme", "README.md")));
    Path localRepo = Path.of(System.getProperty("telegent.localRepository"));

    String install = commandLine(section(readme, "## Install"), "install:install-file");
    String pom = block(section(readme, "## Quickstart"), "xml");
    String program = block(section(readme, "## Quickstart"), "java");
    String run = commandLine(section(readme, "## Quickstart"), "exec:java");
    assertTrue(install.contains("telegent-facade-client-" + System.getProperty("telegent.version") + ".jar"), install);

    Path project = home.resolve("quickstart");
    Files.createDirectories(project);
    Files.writeString(project.resolve("pom.xml"), pom);
    Path source = project.resolve("src/main/java").resolve(javaPath(program));
    Files.createDirectories(source.getParent());
    Files.writeString(source, program);

    deleteRecursively(localRepo.resolve("com/platform/telegent/telegent-facade-client"));
    Path logs = Path.of("target", "quickstart-logs");
    Files.createDirectories(logs);
    mvn(install, repoRoot, localRepo, logs.resolve("install.log"));

    ProcessBuilder facadeBuilder =
        new ProcessBuilder(
                RunningFacade.binary("FACADE_BIN", "telegent-facade"),
                "--dev",
                "--grpc-addr", "127.0.0.1:0",
                "--http-addr", "127.0.0.1:0")
            .redirectError(logs.resolve("telegent-facade.log").toFile());
    facadeBuilder.environment().put("SHUTDOWN_DELAY", "0s");
    Process facade = facadeBuilder.start();
    try {
      String grpcAddr = devGrpcAddress(facade);

      String output = mvn(run.replace("localhost:9090", grpcAddr), project, localRepo, logs.resolve("run.log"));

      Matcher created = Pattern.compile("created (WID-\\S+), recovered: false").matcher(output);
      assertTrue(created.find(), output);
      String id = created.group(1);
      // One violation per broken rule, each with the shared names field, ruleId, message.
      assertEquals(
          List.of("account_id", "webhook_url", "subscribed_events"),
          output.lines()
              .filter(line -> line.startsWith("violation "))
              .map(line -> line.split(" ")[1])
              .toList(),
          output);
      assertTrue(output.contains("listed "), output);
      assertTrue(output.contains("got " + id + " https://hooks.example.com/telegent"), output);
      assertTrue(
          output.contains(
              "updated " + id + ": url https://hooks.example.com/telegent, events [WEBHOOK_EVENT_NEW_SMS,"
                  + " WEBHOOK_EVENT_ORDER_UPDATE], password set: true"),
          output);
      assertTrue(output.contains("deleted " + id), output);
      assertTrue(output.contains("get after delete: NOT_FOUND WEBHOOK_NOT_FOUND"), output);
      assertFalse(output.contains("Passw0rd"), "no password in the output:\n" + output);
    } finally {
      facade.destroy();
      if (!facade.waitFor(30, TimeUnit.SECONDS)) {
        facade.destroyForcibly().waitFor();
      }
    }
  }

  @Test
  void distHoldsTheJarsAndAConsumerPom() throws Exception {
    String distDir = System.getProperty("telegent.distDir", "");
    Assumptions.assumeFalse(distDir.isEmpty(), "skipped: needs dist/; `make test-java-client` builds it and runs this test");
    String artifact = "telegent-facade-client-" + System.getProperty("telegent.version");
    Path dist = Path.of(distDir);

    assertTrue(entries(dist.resolve(artifact + ".jar")).contains("com/platform/telegent/client/FacadeErrors.class"));
    List<String> sources = entries(dist.resolve(artifact + "-sources.jar"));
    assertTrue(sources.contains("com/platform/telegent/client/FacadeErrors.java"), sources.toString());
    assertTrue(sources.contains("telegent/webhook/v1/WebhookOuterClass.java"), sources.toString());
    List<String> javadoc = entries(dist.resolve(artifact + "-javadoc.jar"));
    assertTrue(javadoc.contains("com/platform/telegent/client/FacadeErrors.html"), javadoc.toString());
    assertTrue(javadoc.contains("telegent/webhook/v1/WebhookServiceGrpc.html"), javadoc.toString());

    String pom = Files.readString(dist.resolve(artifact + ".pom"));
    assertTrue(pom.contains("<version>" + System.getProperty("telegent.version") + "</version>"), pom);
    for (String absent : List.of("${", "<dependencyManagement>", "<scope>test</scope>", "<build>", "<profiles>")) {
      assertFalse(pom.contains(absent), absent + " in the consumer pom:\n" + pom);
    }
    assertTrue(pom.contains("<artifactId>grpc-stub</artifactId>"), pom);
  }

  private static List<String> entries(Path jar) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      return zip.stream().map(ZipEntry::getName).toList();
    }
  }

  /** The text of a README section: from its heading to the next heading of the same level. */
  private static String section(String readme, String heading) {
    int start = readme.indexOf("\n" + heading + "\n");
    assertTrue(start >= 0, "README has no section " + heading);
    int end = readme.indexOf("\n## ", start + heading.length() + 2);
    return end < 0 ? readme.substring(start) : readme.substring(start, end);
  }

  /** The first fenced code block of the given language in the text, verbatim. */
  private static String block(String text, String language) {
    Matcher m = Pattern.compile("\n```" + language + "\n(.*?)\n```\n", Pattern.DOTALL).matcher(text);
    assertTrue(m.find(), "no ```" + language + " block in:\n" + text);
    return m.group(1) + "\n";
  }

  /** The line of a ```sh block that contains the word, without its comment. */
  private static String commandLine(String text, String word) {
    Matcher m = Pattern.compile("\n```sh\n(.*?)\n```\n", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      for (String line : m.group(1).split("\n")) {
        if (line.contains(word)) {
          return line.replaceAll("\\s+#.*$", "").trim();
        }
      }
    }
    throw new AssertionError("no sh command with " + word + " in:\n" + text);
  }

  /** Where the program's source goes under src/main/java, from its package and class. */
  private static Path javaPath(String program) {
    Matcher pkg = Pattern.compile("(?m)^package ([\\w.]+);").matcher(program);
    Matcher cls = Pattern.compile("(?m)^public (?:final )?class (\\w+)").matcher(program);
    assertTrue(pkg.find() && cls.find(), "the quickstart names its package and public class");
    return Path.of(pkg.group(1).replace('.', '/'), cls.group(1) + ".java");
  }

  /**
   * Runs a README {@code mvn} command line (words split on spaces, as the shell would split
   * them) in dir, with batch mode and the local repository added, and returns its output.
   */
  private static String mvn(String commandLine, Path dir, Path localRepo, Path log)
      throws IOException, InterruptedException {
    List<String> words = new ArrayList<>(List.of(commandLine.split("\\s+")));
    assertEquals("mvn", words.get(0), commandLine);
    words.addAll(1, List.of("-B", "-ntp", "-Dstyle.color=never", "-Dmaven.repo.local=" + localRepo));
    Process process =
        new ProcessBuilder(words).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(MAVEN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError(commandLine + ": still running after " + MAVEN_TIMEOUT + "\n" + Files.readString(log));
    }
    String output = Files.readString(log);
    assertEquals(0, process.exitValue(), commandLine + " in " + dir + ":\n" + output);
    return output;
  }

  /**
   * The gRPC address the dev facade prints once it listens. A daemon thread reads the facade's
   * output to its end (never closing it early, which would wait for a read in progress), so the
   * facade never blocks on a full pipe.
   */
  private static String devGrpcAddress(Process facade) throws Exception {
    CompletableFuture<String> address = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              BufferedReader out =
                  new BufferedReader(new InputStreamReader(facade.getInputStream(), StandardCharsets.UTF_8));
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  Matcher m = DEV_ADDRESSES.matcher(line);
                  if (m.find()) {
                    address.complete(m.group(1));
                  }
                }
                address.completeExceptionally(new IllegalStateException("facade exited without printing its addresses"));
              } catch (IOException e) {
                address.completeExceptionally(new IllegalStateException("read the facade's output", e));
              }
            },
            "dev-facade-stdout");
    reader.setDaemon(true);
    reader.start();
    return address.get(60, TimeUnit.SECONDS);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
