# The container image (Containerfile) and the Kubernetes manifests (deploy/).
#
# The image is built FROM scratch out of a context folder that holds only the
# static binary and the host's CA bundle: no base image is pulled. deploy/ is
# a Go module of its own, so that Kubernetes' dependencies stay out of the
# service's go.mod.

IMAGE_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# Evaluated once: the binary, the image's tag and labels and the test agree.
IMAGE_VERSION := $(IMAGE_VERSION)
IMAGE_REVISION := $(IMAGE_REVISION)
IMAGE ?= localhost/telegent-facade:$(IMAGE_VERSION)
IMAGE_CONTEXT := $(TMP)/image
BUILDINFO_PKG := github.com/platform/telegent-facade/internal/buildinfo
STATIC_LDFLAGS := -s -w -X $(BUILDINFO_PKG).Version=$(IMAGE_VERSION) -X $(BUILDINFO_PKG).Revision=$(IMAGE_REVISION)

.PHONY: build-static
build-static: ## Static, stripped, version-stamped facade binary and CA bundle into .tmp/image (the image's context)
	@rm -rf $(IMAGE_CONTEXT) && mkdir -p $(IMAGE_CONTEXT)
	CGO_ENABLED=0 go build -trimpath -ldflags '$(STATIC_LDFLAGS)' -o $(IMAGE_CONTEXT)/telegent-facade ./cmd/telegent-facade
	@$(call apt_install,ca-certificates)
	cp /etc/ssl/certs/ca-certificates.crt $(IMAGE_CONTEXT)/

.PHONY: image
image: build-static ## Build the container image IMAGE with podman (FROM scratch: static binary, CA bundle, non-root)
	@$(call apt_install,podman)
	podman build --file Containerfile --build-arg VERSION=$(IMAGE_VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
		--tag $(IMAGE) $(IMAGE_CONTEXT)

.PHONY: test-image
test-image: image ## Build the image, unpack it and run its entrypoint from the unpacked root
	cd deploy && FACADE_IMAGE=$(IMAGE) go test -count=1 ./image/...

.PHONY: test-manifests
test-manifests: ## Render deploy/kubernetes (base, components) and check it against the binary's flags and ports; promtool tests of the alerts
	@command -v promtool >/dev/null || { $(call apt_install,prometheus); }
	cd deploy && go vet ./... && REQUIRE_PROMTOOL=1 go test -race -count=1 ./kubernetes/...

TEST_TARGETS += test-manifests test-image
