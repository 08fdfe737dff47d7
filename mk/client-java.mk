# The Java client (clients/java): a Maven module whose messages and gRPC stubs
# are generated from the descriptor set gen/telegent-facade.binpb by the
# protobuf-maven-plugin (protoc and protoc-gen-grpc-java come from Maven Central
# for this machine's OS and CPU), committed under src/generated/java; the
# hand-written helpers in src/main/java; JUnit 5 tests against the real binaries.
#
# Maven resolves everything into the project-local repository .tmp/m2.
# `make dist-java` writes the jar, its sources and javadoc jars and the
# consumer pom into dist/, versioned from the top-level VERSION file.

JAVA_CLIENT := clients/java
JAVA_CLIENT_VERSION = $(shell cat VERSION)
JAVA_MVN = mvn -B -ntp -Dstyle.color=never -Dmaven.repo.local=$(TMP)/m2 -Drevision=$(JAVA_CLIENT_VERSION) -f $(JAVA_CLIENT)/pom.xml
JAVA_DIST := $(CURDIR)/dist
JAVA_ARTIFACT = telegent-facade-client-$(JAVA_CLIENT_VERSION)

# The pom's own default version (what a plain `mvn install` in clients/java
# builds) must be VERSION's, as every other build here passes -Drevision.
.PHONY: check-java-version
check-java-version:
	@grep -q '<revision>$(JAVA_CLIENT_VERSION)</revision>' $(JAVA_CLIENT)/pom.xml || \
		{ echo "$(JAVA_CLIENT)/pom.xml: <revision> is not VERSION's $(JAVA_CLIENT_VERSION)"; exit 1; }

.PHONY: java-client-deps
java-client-deps: ## Install Java 17 and Maven when missing (Debian packages)
	@command -v mvn >/dev/null && command -v javac >/dev/null || { $(call apt_install,openjdk-17-jdk-headless maven); }

.PHONY: generate-java-client
generate-java-client: java-client-deps ## Regenerate the Java client's sources from gen/telegent-facade.binpb
	$(JAVA_MVN) -q -Pgenerate -Dtelegent.descriptorSet=$(CURDIR)/gen/telegent-facade.binpb generate-sources

.PHONY: test-java-client
test-java-client: java-client-deps ## Test the Java client (JUnit 5) and its README quickstart against the real facade and simulator
	go build -o $(BIN)/ ./cmd/telegent-facade ./cmd/telegent-sim
	@$(MAKE) dist-java
	FACADE_BIN=$${FACADE_BIN:-$(BIN)/telegent-facade} TELEGENT_SIM_BIN=$${TELEGENT_SIM_BIN:-$(BIN)/telegent-sim} \
		$(JAVA_MVN) -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -Dtelegent.distDir=$(JAVA_DIST) verify

.PHONY: dist-java
dist-java: java-client-deps check-java-version ## Build the Java client's jar, sources and javadoc jars and consumer pom into dist/ (version from VERSION)
	$(JAVA_MVN) -q -DskipTests package
	mkdir -p $(JAVA_DIST)
	rm -f $(JAVA_DIST)/telegent-facade-client-*.jar $(JAVA_DIST)/telegent-facade-client-*.pom
	cp $(JAVA_CLIENT)/target/$(JAVA_ARTIFACT).jar $(JAVA_CLIENT)/target/$(JAVA_ARTIFACT)-sources.jar \
		$(JAVA_CLIENT)/target/$(JAVA_ARTIFACT)-javadoc.jar $(JAVA_DIST)/
	cp $(JAVA_CLIENT)/target/.flattened-pom.xml $(JAVA_DIST)/$(JAVA_ARTIFACT).pom

GENERATE_TARGETS += generate-java-client
GENERATED_PATHS += $(JAVA_CLIENT)/src/generated
TEST_TARGETS += test-java-client
DIST_TARGETS += dist-java
