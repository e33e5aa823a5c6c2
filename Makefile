# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
BUILD_DIR ?= build
export BUILD_DIR

.PHONY: help deps tools build test unit fuzz bench demo demo-down cluster-up cluster-down cluster-status clean health-check metrics scale

help:
	@echo "make demo         build, start the local cluster, install, show it working"
	@echo "make test         everything: deps, tools, build, cluster up, all tests, cluster down"
	@echo "make unit         build and run the unit tests only (no cluster)"
	@echo "make fuzz         libFuzzer runs of the audit engine and request parsing (FUZZ_SECONDS each, default 300)"
	@echo "make bench        operator and app benchmarks (hack/bench/*.sh); prints figures and method"
	@echo "make health-check every health endpoint of a running Platform through its gateway (non-zero on failure)"
	@echo "make metrics      key figures of a running Platform from its Prometheus"
	@echo "make scale api=4 frontend=2   set a running Platform's replica counts"
	@echo "                  (PLATFORM=local NAMESPACE=a11y-local by default: the one make demo creates)"
	@echo "make deps|tools|build|cluster-up|cluster-down|demo-down|clean"

deps:
	@bash hack/install-deps.sh

tools:
	@bash hack/tools.sh

build: deps
	@bash hack/build.sh

test:
	@bash hack/test.sh

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -L unit

fuzz: deps
	@bash hack/fuzz.sh $${FUZZ_SECONDS:-300}

bench: build tools
	@bash hack/bench/operator.sh $${BENCH_PLATFORMS:-100}
	@bash hack/bench/app.sh
	@bash hack/bench/frontend.sh

demo:
	@bash hack/demo.sh

demo-down:
	@bash hack/demo.sh down

cluster-up: tools
	@bash hack/cluster.sh up

cluster-down:
	@bash hack/cluster.sh down

cluster-status:
	@bash hack/cluster.sh status

health-check:
	@bash hack/ops.sh health-check

metrics:
	@bash hack/ops.sh metrics

scale:
	@bash hack/ops.sh scale api=$(api) frontend=$(frontend)

clean:
	rm -rf $(BUILD_DIR)
