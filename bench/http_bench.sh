#!/usr/bin/env bash
# HTTP load benchmark: `stm serve` against a bare Beast/Asio "ceiling" server.
#
# Usage: bench/http_bench.sh BUILD_DIR
#   BUILD_DIR must contain `stm` and `bench_hello_server`.
#
# Environment (all optional):
#   DURATION=10         seconds per wrk run
#   WRK_THREADS=2       wrk -t
#   WRK_CONNECTIONS=64  wrk -c
#   HELLO_THREADS=N     io threads of the hello server (default: hardware concurrency)
#
# All traffic stays on 127.0.0.1. Both servers are stopped on exit, whatever happens.
# Exit status is non-zero when a step fails (build output missing, a server does not
# start, login fails, wrk fails or sees non-2xx responses); a missed performance target
# is reported as MISSED but does not fail the run.

set -euo pipefail

die() {
  echo "http_bench: error: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || {
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
}
BUILD_DIR=$1
STM="$BUILD_DIR/stm"
HELLO="$BUILD_DIR/bench_hello_server"

DURATION=${DURATION:-10}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
for v in DURATION WRK_THREADS WRK_CONNECTIONS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
HELLO_ARGS=()
if [[ -n ${HELLO_THREADS:-} ]]; then
  [[ $HELLO_THREADS =~ ^[1-9][0-9]*$ ]] || die "HELLO_THREADS must be a positive integer"
  HELLO_ARGS=(--threads "$HELLO_THREADS")
fi

[[ -x $STM ]] || die "$STM not found or not executable (build first)"
[[ -x $HELLO ]] || die "$HELLO not found or not executable (build first)"
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stm-bench.XXXXXX")
HELLO_PID=""
STM_PID=""
WRK_PID=""

stop_server() { # PID
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do # up to 5 s for a graceful stop
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -z $WRK_PID ]] || kill -TERM "$WRK_PID" 2>/dev/null || true
  stop_server "$STM_PID"
  stop_server "$HELLO_PID"
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

show_log() { # FILE
  echo "---- last lines of $(basename "$1") ----" >&2
  tail -n 20 "$1" >&2 || true
  echo "----" >&2
}

# ---- ceiling peer --------------------------------------------------------------------------
# Port 0: the server binds a free port and prints it, so there is no race for the port.
: >"$TMP/hello.out" # exists before the background child opens it
"$HELLO" --listen 127.0.0.1:0 "${HELLO_ARGS[@]}" >>"$TMP/hello.out" 2>&1 &
HELLO_PID=$!
HELLO_PORT=""
for ((i = 0; i < 100; i++)); do # up to 10 s
  HELLO_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMP/hello.out")
  [[ -n $HELLO_PORT ]] && break
  kill -0 "$HELLO_PID" 2>/dev/null || {
    show_log "$TMP/hello.out"
    die "bench_hello_server exited during start-up"
  }
  sleep 0.1
done
[[ -n $HELLO_PORT ]] || {
  show_log "$TMP/hello.out"
  die "bench_hello_server did not report its port within 10 s"
}
HELLO_URL="http://127.0.0.1:$HELLO_PORT/"
curl -sf -o /dev/null --max-time 5 "$HELLO_URL" || die "bench_hello_server does not answer on $HELLO_URL"

# ---- stm -----------------------------------------------------------------------------------
DB="$TMP/bench.db"
PW="Bench-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
printf '%s' "$PW" | "$STM" user add --db "$DB" --username bench --role administrator --password-stdin \
  >"$TMP/user_add.out" 2>&1 || {
  show_log "$TMP/user_add.out"
  die "'stm user add' failed"
}

STM_PORT=$(free_port)
STM_BASE="http://127.0.0.1:$STM_PORT"
STM_ACCESS_LOG=off STM_LOG_LEVEL=warn "$STM" serve --db "$DB" --listen "127.0.0.1:$STM_PORT" \
  >"$TMP/stm.log" 2>&1 &
STM_PID=$!
up=0
for ((i = 0; i < 300; i++)); do # up to 30 s
  if curl -sf -o /dev/null --max-time 1 "$STM_BASE/healthz"; then
    up=1
    break
  fi
  kill -0 "$STM_PID" 2>/dev/null || {
    show_log "$TMP/stm.log"
    die "'stm serve' exited during start-up"
  }
  sleep 0.1
done
[[ $up == 1 ]] || {
  show_log "$TMP/stm.log"
  die "'stm serve' did not answer $STM_BASE/healthz within 30 s"
}

LOGIN_BODY=$(PW="$PW" python3 -c 'import json, os; print(json.dumps({"username": "bench", "password": os.environ["PW"]}))')
LOGIN_RESP=$(curl -s --max-time 10 -X POST "$STM_BASE/v1/auth/login" -H 'Content-Type: application/json' \
  -d "$LOGIN_BODY") || die "login request to $STM_BASE/v1/auth/login failed"
TOKEN=$(printf '%s' "$LOGIN_RESP" | python3 -c '
import json, sys
try:
    token = json.load(sys.stdin).get("token")
except Exception:
    token = None
if not isinstance(token, str) or not token:
    sys.exit(1)
print(token)') || die "login did not return a token; response: ${LOGIN_RESP:0:300}"
curl -sf -o /dev/null --max-time 5 -H "Authorization: Bearer $TOKEN" "$STM_BASE/v1/me" ||
  die "GET /v1/me with the login token did not succeed"

# ---- load ----------------------------------------------------------------------------------
# run_wrk NAME URL [wrk args...]: leaves the raw output in $TMP/NAME.wrk
run_wrk() {
  local name=$1 url=$2
  shift 2
  local shown="${*//"$TOKEN"/<token>}"
  echo "  wrk -t$WRK_THREADS -c$WRK_CONNECTIONS -d${DURATION}s --latency ${shown:+$shown }$url" >&2
  # In the background and waited for, so that a TERM/INT to this script is acted on at once.
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$TMP/$name.wrk" 2>&1 &
  WRK_PID=$!
  local rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  if [[ $rc != 0 ]]; then
    cat "$TMP/$name.wrk" >&2
    die "wrk against $url failed"
  fi
  if grep -q 'Non-2xx or 3xx responses' "$TMP/$name.wrk"; then
    cat "$TMP/$name.wrk" >&2
    die "$url answered non-2xx responses under load; the figures would be meaningless"
  fi
  if grep -q 'Socket errors' "$TMP/$name.wrk"; then
    echo "  warning ($name): $(grep 'Socket errors' "$TMP/$name.wrk" | sed 's/^ *//')" >&2
  fi
}

# rps FILE -> requests per second; p99_ms FILE -> 99th percentile latency in ms
rps() {
  awk '/^Requests\/sec:/ { print $2; found = 1 } END { exit !found }' "$1"
}
p99_ms() {
  awk '$1 == "99%" {
         v = $2; n = v; sub(/[a-z]+$/, "", n); u = substr(v, length(n) + 1)
         if (u == "us") f = 0.001; else if (u == "ms") f = 1; else if (u == "s") f = 1000
         else if (u == "m") f = 60000; else if (u == "h") f = 3600000; else exit 1
         printf "%.3f\n", n * f; found = 1
       } END { exit !found }' "$1"
}

echo "STM HTTP benchmark: $(nproc) CPU(s), ${DURATION}s per target, $WRK_THREADS wrk threads," \
  "$WRK_CONNECTIONS connections, keep-alive, 127.0.0.1 only" >&2
run_wrk hello "$HELLO_URL"
run_wrk healthz "$STM_BASE/healthz"
run_wrk me "$STM_BASE/v1/me" -H "Authorization: Bearer $TOKEN"

declare -A RPS P99
for t in hello healthz me; do
  RPS[$t]=$(rps "$TMP/$t.wrk") || die "could not parse Requests/sec from the $t run"
  P99[$t]=$(p99_ms "$TMP/$t.wrk") || die "could not parse the 99% latency from the $t run"
done
awk -v r="${RPS[hello]}" 'BEGIN { exit !(r > 0) }' || die "the hello server served no requests"

ratio() { awk -v a="$1" -v b="${RPS[hello]}" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }

echo
printf '%-28s %12s %10s %10s\n' target "req/s" "p99 (ms)" "vs hello"
printf '%-28s %12s %10s %10s\n' "----------------------------" "------------" "----------" "----------"
printf '%-28s %12.0f %10.2f %10s\n' "hello (ceiling) GET /" "${RPS[hello]}" "${P99[hello]}" "$(ratio "${RPS[hello]}")"
printf '%-28s %12.0f %10.2f %10s\n' "stm GET /healthz" "${RPS[healthz]}" "${P99[healthz]}" "$(ratio "${RPS[healthz]}")"
printf '%-28s %12.0f %10.2f %10s\n' "stm GET /v1/me (bearer)" "${RPS[me]}" "${P99[me]}" "$(ratio "${RPS[me]}")"
echo

PCT=$(awk -v a="${RPS[me]}" -v b="${RPS[hello]}" 'BEGIN { printf "%.1f", 100 * a / b }')
TPUT=$(awk -v p="$PCT" 'BEGIN { print (p >= 50) ? "MET" : "MISSED" }')
LAT=$(awk -v l="${P99[me]}" 'BEGIN { print (l < 10) ? "MET" : "MISSED" }')
OVERALL=MET
[[ $TPUT == MET && $LAT == MET ]] || OVERALL=MISSED
printf '/v1/me achieves %s%% of the ceiling (target >= 50%%), p99 %.2f ms (target < 10 ms): %s (throughput %s, p99 %s)\n' \
  "$PCT" "${P99[me]}" "$OVERALL" "$TPUT" "$LAT"
