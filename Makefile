# SPDX-License-Identifier: MIT
# Convenience front end to the CMake build. Every target installs what it
# needs first (tools/ci/deps.sh: apt-get when root, a clear message otherwise).
#   make run        the main job
#   make test       build and run the whole test suite (both engines)
#   make bench      every benchmark against its peers, each writing its table
#                   (bench/run.sh: the core; bench/pipeline/run.sh: the
#                   pipeline vs a fused loop, and jobs.sh: logstats --jobs
#                   N vs 1; bench/logtools/run.sh: logstats vs GoAccess;
#                   bench/event/run.sh: the parsers and the bus job;
#                   bench/http/run.sh: wrk on httpserver vs Go, nginx).
#                   One of them: make bench-core, bench-pipeline,
#                   bench-logtools, bench-event, bench-http
#   make bench-layouts  the round trip of cogen, the floor and fcontext, each
#                   at 8 placements of its own code (bench/layouts.py; not
#                   part of make bench)
#   make difftest   the CPython differential test with many more seeds (SEEDS=0:100000)
#   make sanitize   the suite under ASan+UBSan, then TSan
#   make valgrind   the suite under valgrind memcheck
#   make aarch64    cross-build for AArch64, suite under qemu-aarch64
#   make single     writes $(BUILD)/single/cogen.h, cogen as one header
#   make docs       the API reference (Doxygen) in $(BUILD)/docs/html
#   make install PREFIX=/usr/local
#   make clean      removes every build directory the Makefile, CI and the
#                   benchmarks create (build, build-*)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench bench-core bench-pipeline bench-logtools bench-event bench-http bench-layouts difftest sanitize valgrind aarch64 install clean single docs

all: build

deps:
	@tools/ci/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@tools/run-main-job.sh $(BUILD)

test: build
	@ctest --test-dir $(BUILD) -j $(JOBS) --output-on-failure

bench: bench-core bench-pipeline bench-logtools bench-event bench-http

bench-core: deps
	@bash bench/run.sh

bench-layouts: deps
	@python3 bench/layouts.py

bench-event: deps
	@sh bench/event/run.sh

bench-pipeline: deps
	@sh bench/pipeline/run.sh
	@sh bench/pipeline/jobs.sh

bench-logtools: deps
	@sh bench/logtools/run.sh

bench-http: deps
	@tools/ci/deps.sh wrk nginx golang-go
	@bash bench/http/run.sh

SEEDS ?= 0:100000
difftest: build
	@python3 tests/diff/run.py --seeds $(SEEDS) -j $(JOBS) --progress 20000 --bin $(BUILD)/tests/diff/diffrun --bin $(BUILD)/tests/diff/diffrun_ucontext

sanitize:
	@tools/ci/sanitize.sh

valgrind:
	@tools/ci/valgrind.sh

aarch64:
	@tools/ci/aarch64.sh

install: build
	@cmake --install $(BUILD)

single:
	@python3 tools/single/amalgamate.py --out $(BUILD)/single/cogen.h

docs:
	@tools/ci/deps.sh doxygen
	@mkdir -p $(BUILD)/docs
	@COGEN_VERSION=$$(sed -n 's/.*COGEN_VERSION_STRING "\(.*\)"/\1/p' include/cogen.h) \
	  COGEN_DOCS_OUT=$(BUILD)/docs doxygen docs/Doxyfile
	@echo "docs: $(BUILD)/docs/html/index.html" 

clean:
	@rm -rf $(BUILD) build build-*
