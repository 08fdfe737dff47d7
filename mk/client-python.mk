# The Python client (clients/python): stubs generated with grpcio-tools from the
# descriptor set gen/telegent-facade.binpb (their .pyi stubs by mypy-protobuf,
# which pass mypy --strict), a hand-written helper package (telegent_facade), and pytest
# tests against the real binaries. make dist-python builds the wheel and the
# sdist into dist/, versioned from VERSION.
#
# Everything is installed from the hashed lock clients/python/requirements.txt
# into clients/python/.venv with the machine's python3.11.

PY_CLIENT := clients/python
PY_VENV := $(PY_CLIENT)/.venv
PY_PYTHON := $(CURDIR)/$(PY_VENV)/bin/python
PY_SRC := $(PY_CLIENT)/src
PY_DESCRIPTOR_SET := gen/telegent-facade.binpb
PYTHON311 ?= python3.11

$(PY_VENV)/.stamp: $(PY_CLIENT)/requirements.txt $(PY_CLIENT)/pyproject.toml
	rm -rf $(PY_VENV)
	$(PYTHON311) -m venv $(PY_VENV)
	$(PY_PYTHON) -m pip install --quiet --no-deps --require-hashes -r $(PY_CLIENT)/requirements.txt
	$(PY_PYTHON) -m pip install --quiet --no-deps --no-build-isolation --editable $(PY_CLIENT)
	@touch $@

.PHONY: python-client-venv
python-client-venv: $(PY_VENV)/.stamp ## Create clients/python/.venv from the pinned lock

.PHONY: generate-python-client
generate-python-client: $(PY_VENV)/.stamp ## Regenerate the Python client's modules from gen/telegent-facade.binpb
	rm -rf $(PY_SRC)/telegent $(PY_SRC)/buf
	mkdir -p $(PY_SRC)
	$(PY_PYTHON) -m grpc_tools.protoc --descriptor_set_in=$(PY_DESCRIPTOR_SET) \
		--plugin=protoc-gen-mypy=$(CURDIR)/$(PY_VENV)/bin/protoc-gen-mypy \
		--plugin=protoc-gen-mypy_grpc=$(CURDIR)/$(PY_VENV)/bin/protoc-gen-mypy_grpc \
		--python_out=$(PY_SRC) --mypy_out=$(PY_SRC) --grpc_python_out=$(PY_SRC) --mypy_grpc_out=$(PY_SRC) \
		telegent/webhook/v1/webhook.proto
	$(PY_PYTHON) -m grpc_tools.protoc --descriptor_set_in=$(PY_DESCRIPTOR_SET) \
		--plugin=protoc-gen-mypy=$(CURDIR)/$(PY_VENV)/bin/protoc-gen-mypy \
		--python_out=$(PY_SRC) --mypy_out=$(PY_SRC) \
		telegent/webhook/v1/rules.proto
	$(PY_PYTHON) -m grpc_tools.protoc --descriptor_set_in=$(PY_DESCRIPTOR_SET) \
		--plugin=protoc-gen-mypy=$(CURDIR)/$(PY_VENV)/bin/protoc-gen-mypy \
		--python_out=$(PY_SRC) --mypy_out=$(PY_SRC) \
		buf/validate/validate.proto
	@# PEP 561: the generated packages are typed by their .pyi files. telegent
	@# and buf stay namespace packages; the markers go in the leaf packages.
	touch $(PY_SRC)/telegent/webhook/v1/py.typed $(PY_SRC)/buf/validate/py.typed
	cp service_config.json $(PY_SRC)/telegent_facade/service_config.json

.PHONY: test-python-client
test-python-client: $(PY_VENV)/.stamp ## Test the Python client against the real facade and simulator, and its README quickstarts from dist/
	$(MAKE) dist-python
	go build -o $(BIN)/ ./cmd/telegent-facade ./cmd/telegent-sim
	cd $(PY_CLIENT) && FACADE_BIN=$${FACADE_BIN:-$(BIN)/telegent-facade} \
		TELEGENT_SIM_BIN=$${TELEGENT_SIM_BIN:-$(BIN)/telegent-sim} \
		$(PY_PYTHON) -m pytest

# The build runs in a copy of the project, so that build/ and *.egg-info never
# land in the source tree, and builds the wheel from the sdist, as pip would.
PY_DIST_TMP := $(TMP)/python-dist

.PHONY: dist-python
dist-python: $(PY_VENV)/.stamp ## Build the Python client's wheel and sdist into dist/, versioned from VERSION
	rm -rf $(PY_DIST_TMP) dist/telegent_facade_client-*
	mkdir -p $(PY_DIST_TMP) dist
	tar -C $(PY_CLIENT) --exclude=.venv --exclude=__pycache__ --exclude=.pytest_cache \
		--exclude='*.egg-info' --exclude=build -ch pyproject.toml README.md VERSION src | tar -C $(PY_DIST_TMP) -x
	$(PY_PYTHON) -m build --no-isolation --outdir $(CURDIR)/dist $(PY_DIST_TMP)
	rm -rf $(PY_DIST_TMP)

GENERATE_TARGETS += generate-python-client
DIST_TARGETS += dist-python
GENERATED_PATHS += $(PY_SRC)/telegent $(PY_SRC)/buf $(PY_SRC)/telegent_facade/service_config.json
TEST_TARGETS += test-python-client
