# Thin wrapper: installs what is missing, configures, builds, runs. See README.md.
SHELL := /bin/bash
BUILD_TYPE ?= RelWithDebInfo
RELEASE_DIR := build/release
TEST_DIR := build/asan
JOBS ?= $(shell nproc)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages the build, tests and benchmarks need.
DEB_PACKAGES := g++ cmake make pkg-config libboost-dev libboost-system-dev nlohmann-json3-dev libsimdjson-dev \
  libsqlite3-dev sqlite3 libpqxx-dev libicu-dev libsodium-dev libpugixml-dev libcli11-dev libspdlog-dev \
  libfmt-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev wrk curl python3 \
  zlib1g-dev libzip-dev iso-codes

# Only the benchmarks need these (a private PostgreSQL cluster for the pg_trgm comparison).
BENCH_PACKAGES := postgresql postgresql-contrib

.PHONY: deps bench-deps build build-test run test bench bench-screening bench-classify format clean

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

bench-deps: deps
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	cmake -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSTM_BUILD_TESTS=OFF >/dev/null
	cmake --build $(RELEASE_DIR) -j $(JOBS)

build-test: deps
	cmake -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DSTM_SANITIZE=ON -DSTM_BUILD_BENCH=OFF >/dev/null
	cmake --build $(TEST_DIR) -j $(JOBS)

# Serves the API on http://127.0.0.1:8080 with the embedded SQLite database under ./var/.
run: build
	@mkdir -p var
	$(RELEASE_DIR)/stm serve --db var/stm.db --listen $${STM_LISTEN:-127.0.0.1:8080}

# Every test, built with AddressSanitizer and UndefinedBehaviorSanitizer.
test: build-test
	cd $(TEST_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 300

bench: build
	bash bench/http_bench.sh $(RELEASE_DIR)

# Screening latency, throughput, recall and alerts, side by side with PostgreSQL pg_trgm.
bench-screening: build bench-deps
	bash bench/screening_vs_pg_trgm.sh $(RELEASE_DIR)

# Classification latency/throughput and catalogue load time, side by side with SQLite FTS5.
bench-classify: build
	$(RELEASE_DIR)/bench_classify --data $${STM_DATA_DIR:-../shared/data} --repeat 3 --benchmark_min_time=0.5

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
