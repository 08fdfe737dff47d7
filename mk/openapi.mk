# The OpenAPI document as teams use it: TypeScript types written by
# openapi-typescript with its default options, compiled with tsc --strict
# beside openapi-fetch (tools/openapi/tsclient/check.ts: a body with only
# the required fields compiles, a method that does not exist does not, an
# error narrows by "@type" to its field violations), and real answers of a
# running facade (200, 400, 409, 503) validated against the document it
# serves, with ajv (tools/openapi/tsclient/wire.test.mjs). The npm packages
# are pinned in tools/openapi/package-lock.json, installed into its
# node_modules (ignored), as is the generated schema.d.ts.

TEST_TARGETS += openapi-client-test

.PHONY: openapi-client-test
openapi-client-test: ## Compile a REST client generated from the OpenAPI document; validate real answers against it
	cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error
	cd tools/openapi && npx --no-install openapi-typescript $(CURDIR)/$(OPENAPI_DOC) -o tsclient/schema.d.ts
	cd tools/openapi && npx --no-install tsc -p tsclient/tsconfig.json
	go build -o $(BIN)/ ./cmd/telegent-facade
	cd tools/openapi && FACADE_BIN=$${FACADE_BIN:-$(BIN)/telegent-facade} node --test tsclient/wire.test.mjs
