# The idempotency store's tests start a real redis-server on a loopback port.

TEST_DEPS += deps-redis

.PHONY: deps-redis
deps-redis: ## Install redis-server (Debian) for the idempotency store's tests
	@command -v redis-server >/dev/null || { $(call apt_install,redis-server); }
