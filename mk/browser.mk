# The browser test (e2e/browser_test.go): headless Chromium from Debian's
# packages loads pages from two loopback origins and calls the real facade
# over Connect and gRPC-Web, and as a hostile page would (no-cors fetches,
# HTML form posts). It runs with the other Go tests; without Chromium it is
# skipped, except under CI (CI set), where it fails.

CHROMIUM := /usr/bin/chromium

.PHONY: browser-deps
browser-deps: ## Install headless Chromium (Debian package) for the browser test
	@test -x $(CHROMIUM) || { $(call apt_install,chromium); }

# The Go tests of `make test` include the browser test: Chromium first.
TEST_DEPS += browser-deps

.PHONY: test-browser
test-browser: browser-deps ## Run only the browser test; fails rather than skips without Chromium
	CI=true go test -race -count=1 -run '^TestBrowser$$' ./e2e/
