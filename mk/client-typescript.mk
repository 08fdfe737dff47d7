# The TypeScript client (clients/typescript): messages, enums and the service
# generated with protoc-gen-es from the descriptor set gen/telegent-facade.binpb
# (buf runs the plugin pinned in package-lock.json), hand-written helpers and
# interceptors in src/, and node:test tests against the real binaries.
#
# Node packages are installed with `npm ci` from package-lock.json into
# clients/typescript/node_modules.

TS_CLIENT := clients/typescript
TS_DESCRIPTOR_SET := gen/telegent-facade.binpb
# Where `make dist` writes the npm tarball, telegent-facade-client-$(VERSION).tgz.
TS_DIST := $(CURDIR)/dist

$(TS_CLIENT)/node_modules/.stamp: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci --no-audit --no-fund
	@touch $@

.PHONY: typescript-client-deps
typescript-client-deps: $(TS_CLIENT)/node_modules/.stamp ## Install the TypeScript client's pinned packages into clients/typescript/node_modules

.PHONY: generate-typescript-client
generate-typescript-client: tools $(TS_CLIENT)/node_modules/.stamp ## Regenerate the TypeScript client's gen/ from gen/telegent-facade.binpb and service_config.json
	buf generate --template $(TS_CLIENT)/buf.gen.yaml
	node $(TS_CLIENT)/scripts/embed-service-config.mjs

# The tests include the README's quickstarts, which install the tarball
# from dist/ (and their packages from the npm registry) into empty
# directories; the browser one runs in Chromium (mk/browser.mk).
.PHONY: test-typescript-client
test-typescript-client: $(TS_CLIENT)/node_modules/.stamp ## Build the TypeScript client and its tarball, test both against the real facade and simulator
	go build -o $(BIN)/ ./cmd/telegent-facade ./cmd/telegent-sim
	@$(MAKE) dist-typescript
	cd $(TS_CLIENT) && FACADE_BIN=$${FACADE_BIN:-$(BIN)/telegent-facade} \
		TELEGENT_SIM_BIN=$${TELEGENT_SIM_BIN:-$(BIN)/telegent-sim} \
		node --test dist/test/*.test.js

.PHONY: dist-typescript
dist-typescript: $(TS_CLIENT)/node_modules/.stamp ## Build the TypeScript client's npm tarball into dist/ (version from VERSION)
	cd $(TS_CLIENT) && rm -rf dist && npx tsc -p tsconfig.json
	rm -f $(TS_DIST)/telegent-facade-client-*.tgz
	node $(TS_CLIENT)/scripts/pack.mjs $(TS_DIST)

GENERATE_TARGETS += generate-typescript-client
GENERATED_PATHS += $(TS_CLIENT)/gen
TEST_TARGETS += test-typescript-client
DIST_TARGETS += dist-typescript
