# The container image (Containerfile) and the Kubernetes manifests (deploy/).
#
# The image is built FROM scratch out of a context folder that holds only the
# static binary and a CA bundle: no base image is pulled. deploy/ is a Go
# module of its own, so that Kubernetes' dependencies stay out of the
# service's go.mod.
#
# The image is reproducible: the same commit gives the same image, byte for
# byte, wherever it is built (`make test-image-reproducible`). Every input is
# pinned or derived from the commit: the binary is built with -trimpath and
# without VCS stamping (the revision is stamped by -X instead, so a clone's
# path or state cannot leak in); the CA bundle comes from the NSS roots of
# golang.org/x/crypto/x509roots/fallback at the version deploy/go.mod pins
# (deploy/cabundle), not from the build host; every timestamp (the files',
# the layer's, the image's `created`) is SOURCE_DATE_EPOCH, the commit's time.

IMAGE_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE_REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# Evaluated once: the binary, the image's tag and labels and the test agree.
IMAGE_VERSION := $(IMAGE_VERSION)
IMAGE_REVISION := $(IMAGE_REVISION)
SOURCE_DATE_EPOCH := $(SOURCE_DATE_EPOCH)
IMAGE_CREATED := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
IMAGE_SOURCE ?= https://github.com/platform/telegent-facade
# The SPDX expression of the code's licence.
IMAGE_LICENSES ?= LicenseRef-Proprietary
IMAGE ?= localhost/telegent-facade:$(IMAGE_VERSION)
# Extra flags for podman build (the reproducibility test adds --no-cache).
PODMAN_BUILD_FLAGS ?=
IMAGE_CONTEXT := $(TMP)/image
BUILDINFO_PKG := github.com/platform/telegent-facade/internal/buildinfo
STATIC_LDFLAGS := -s -w -X $(BUILDINFO_PKG).Version=$(IMAGE_VERSION) -X $(BUILDINFO_PKG).Revision=$(IMAGE_REVISION)

.PHONY: build-static
build-static: ## Static, stripped, version-stamped facade binary and the pinned CA bundle into .tmp/image (the image's context)
	@rm -rf $(IMAGE_CONTEXT) && mkdir -p $(IMAGE_CONTEXT)
	CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags '$(STATIC_LDFLAGS)' -o $(IMAGE_CONTEXT)/telegent-facade ./cmd/telegent-facade
	cd deploy && go run ./cabundle > $(abspath $(IMAGE_CONTEXT))/ca-certificates.crt
	touch -d @$(SOURCE_DATE_EPOCH) $(IMAGE_CONTEXT)/telegent-facade $(IMAGE_CONTEXT)/ca-certificates.crt

.PHONY: image
image: build-static ## Build the container image IMAGE with podman, reproducibly (FROM scratch: static binary, CA bundle, non-root)
	@command -v podman >/dev/null || { $(call apt_install,podman); }
	podman build --file Containerfile --timestamp $(SOURCE_DATE_EPOCH) --omit-history $(PODMAN_BUILD_FLAGS) \
		--build-arg VERSION=$(IMAGE_VERSION) --build-arg REVISION=$(IMAGE_REVISION) \
		--build-arg CREATED=$(IMAGE_CREATED) --build-arg SOURCE=$(IMAGE_SOURCE) --build-arg LICENSES=$(IMAGE_LICENSES) \
		--tag $(IMAGE) $(IMAGE_CONTEXT)

.PHONY: test-image
test-image: image ## Build the image, unpack it and run its entrypoint from the unpacked root
	cd deploy && FACADE_IMAGE=$(IMAGE) go test -count=1 ./image/...

.PHONY: test-manifests
test-manifests: ## Render deploy/kubernetes (base, components) and check it against the binary's flags and ports; promtool tests of the alerts
	@command -v promtool >/dev/null || { $(call apt_install,prometheus); }
	cd deploy && go vet ./... && REQUIRE_PROMTOOL=1 go test -race -count=1 ./kubernetes/...

# Two clean clones of HEAD, `make image` in each: the same image id and
# digest. (Uncommitted changes are not in the clones.)
.PHONY: test-image-reproducible
test-image-reproducible: ## Build the image from two clean clones of HEAD and check they are identical
	@command -v podman >/dev/null || { $(call apt_install,podman); }
	deploy/image/reproducible.sh

# test-image-reproducible costs about 30 s with a warm Go build cache
# (two podman builds without layer cache), so it runs with the others.
TEST_TARGETS += test-manifests test-image test-image-reproducible
