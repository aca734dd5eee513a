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

# What CI enforces beside the tests: every C file formatted by .clang-format, cppcheck clean over
# every C directory, and each file including only what docs/architecture.md allows.
C_DIRS = survey sync cli app tests/unit tests/tools tests/fuzz bench
lint:
	@sh scripts/deps.sh lint
	@python3 scripts/check-includes.py
	@git ls-files -- $(addsuffix /*.[ch],$(C_DIRS))  | \
	    xargs clang-format --dry-run -Werror && echo "clang-format: clean"
	@cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --quiet \
	    --error-exitcode=1 --template='{file}:{line}: {severity}: {message} [{id}]' \
	    -I survey/include -I survey/src -I sync/include -I sync/src -I cli -I app \
	    $(C_DIRS) && echo "cppcheck: clean"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) demo-out dist
