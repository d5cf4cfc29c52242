# SPDX-License-Identifier: MIT
# Convenience front end to the CMake build. Every target installs what it
# needs first (tools/ci/deps.sh: apt-get when root, a clear message otherwise).
#   make run        the main job
#   make test       build and run the whole test suite (both engines)
#   make bench      benchmarks against the peers (bench/run.sh, bench/event/run.sh)
#   make difftest   the CPython differential test with many more seeds (SEEDS=0:100000)
#   make sanitize   the suite under ASan+UBSan, then TSan
#   make valgrind   the suite under valgrind memcheck
#   make aarch64    cross-build for AArch64, suite under qemu-aarch64
#   make install PREFIX=/usr/local
#   make clean      removes every build directory the Makefile, CI and the
#                   benchmarks create (build, build-*)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench difftest sanitize valgrind aarch64 install clean

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

bench: deps
	@bash bench/run.sh
	@sh bench/event/run.sh

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

clean:
	@rm -rf $(BUILD) build build-*
