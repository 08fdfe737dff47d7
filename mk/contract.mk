# The contract beyond the Go code buf generate writes: the published OpenAPI
# 3.1 document (/openapi.json), joined from generators' output by
# tools/openapigen, and its lint.

OPENAPI_TMP := $(TMP)/openapi
OPENAPI_DOC := gen/openapi/telegent.openapi.json

GENERATE_TARGETS += openapi
TEST_TARGETS += openapi-lint

.PHONY: openapi
openapi: tools protodeps ## Generate the OpenAPI 3.1 document from the proto into gen/openapi
	@rm -rf $(OPENAPI_TMP)
	buf generate proto --template tools/openapi/buf.gen.yaml -o $(OPENAPI_TMP)
	buf generate $(PROTODEPS)/googleapis --path $(PROTODEPS)/googleapis/google/rpc --template tools/openapi/buf.gen.rpc.yaml -o $(OPENAPI_TMP)
	buf generate $(PROTODEPS)/protovalidate --path $(PROTODEPS)/protovalidate/buf/validate/validate.proto --template tools/openapi/buf.gen.rpc.yaml -o $(OPENAPI_TMP)
	go run -C tools ./openapigen -config $(CURDIR)/tools/openapi/openapi.yaml \
		-openapi $(OPENAPI_TMP)/openapiv3 -jsonschema $(OPENAPI_TMP)/jsonschema \
		-descriptors $(CURDIR)/gen/telegent-facade.binpb -o $(CURDIR)/$(OPENAPI_DOC)

.PHONY: openapi-lint
openapi-lint: ## Lint the OpenAPI document with Redocly's CLI (pinned in tools/openapi/package-lock.json)
	cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error
	cd tools/openapi && npx --no-install redocly lint --config redocly.yaml $(CURDIR)/$(OPENAPI_DOC)

TEST_TARGETS += openapi-test

.PHONY: openapi-test
openapi-test: ## Parse the OpenAPI document as OpenAPI 3.1 and check what it must carry
	cd tools && go test -race -count=1 ./openapigen
