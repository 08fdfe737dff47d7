# The scale benchmark (bench/scalebench): the plain hop and the grpc-gateway peer
# (bench/gatewaypeer) beside the facade over
# REST and gRPC at rising calls in flight with Telegent some distance away, and
# the facade's adaptive limit while Telegent slows down. A benchmark: never part
# of make test. BENCHMARKS.md has the figures and how to read them.

SCALE_LATENCY ?= 50ms
SCALE_SLOW_LATENCY ?= 500ms
SCALE_STEPS ?= 16,64,256,1024
SCALE_WARMUP ?= 8s
SCALE_WINDOW ?= 5s
SCALE_SLOW_CONCURRENCY ?= 256
SCALE_SLOW_BEFORE ?= 20s
SCALE_SLOW_AFTER ?= 15s

.PHONY: bench-scale
bench-scale: ## Scale curves, hop beside facade, and the limit during a slow-down (SCALE_LATENCY, SCALE_STEPS, SCALE_SLOW_LATENCY, ...; about 4 minutes)
	go run ./bench/scalebench -latency $(SCALE_LATENCY) -steps $(SCALE_STEPS) \
		-warmup $(SCALE_WARMUP) -window $(SCALE_WINDOW) \
		-slow-latency $(SCALE_SLOW_LATENCY) -slow-concurrency $(SCALE_SLOW_CONCURRENCY) \
		-slow-before $(SCALE_SLOW_BEFORE) -slow-after $(SCALE_SLOW_AFTER)
