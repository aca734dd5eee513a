# The two set-up commands (see README.md): `make demo` and `make test`. Both install missing
# Debian packages (as root; otherwise they print the apt-get line), configure and build.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test demo bench asan-test package lint clean

all: build

deps:
	@sh scripts/deps.sh build runtime package test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

bench: build
	@bash bench/run.sh $(BUILD)

# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan-test: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DQUEJIE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The Debian packages quejie and quejie-office (with -dbgsym) in dist/.
package: deps
	@bash scripts/package.sh dist

# Static analysis, advisory (cppcheck ships on the development image; not part of make test):
# read what it says, fix what is real.
lint:
	cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --quiet \
	    -I survey/include -I survey/src survey/src cli

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) demo-out dist
