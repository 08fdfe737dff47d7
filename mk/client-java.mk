# The Java client (clients/java): a Maven module whose messages and gRPC stubs
# are generated from the descriptor set gen/telegent-facade.binpb by the
# protobuf-maven-plugin (protoc and protoc-gen-grpc-java come from Maven Central
# for this machine's OS and CPU), committed under src/generated/java; the
# hand-written helpers in src/main/java; JUnit 5 tests against the real binaries.
#
# Maven resolves everything into the project-local repository .tmp/m2.

JAVA_CLIENT := clients/java
JAVA_MVN = mvn -B -ntp -Dstyle.color=never -Dmaven.repo.local=$(TMP)/m2 -f $(JAVA_CLIENT)/pom.xml

.PHONY: java-client-deps
java-client-deps: ## Install Java 17 and Maven when missing (Debian packages)
	@command -v mvn >/dev/null && command -v javac >/dev/null || { $(call apt_install,openjdk-17-jdk-headless maven); }

.PHONY: generate-java-client
generate-java-client: java-client-deps ## Regenerate the Java client's sources from gen/telegent-facade.binpb
	$(JAVA_MVN) -q -Pgenerate -Dtelegent.descriptorSet=$(CURDIR)/gen/telegent-facade.binpb generate-sources

.PHONY: test-java-client
test-java-client: java-client-deps ## Test the Java client (JUnit 5) against the real facade and simulator
	go build -o $(BIN)/ ./cmd/telegent-facade ./cmd/telegent-sim
	FACADE_BIN=$${FACADE_BIN:-$(BIN)/telegent-facade} TELEGENT_SIM_BIN=$${TELEGENT_SIM_BIN:-$(BIN)/telegent-sim} \
		$(JAVA_MVN) verify

GENERATE_TARGETS += generate-java-client
GENERATED_PATHS += $(JAVA_CLIENT)/src/generated
TEST_TARGETS += test-java-client
