#!/usr/bin/env bash
# End-to-end checks of the `stm` command-line contract: help, user add, serve + SIGTERM,
# backup, audit verify on intact and tampered databases, migration checksum refusal, classify, criteria.
set -euo pipefail
STM=${1:?usage: cli_e2e.sh PATH_TO_STM}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
DB=$WORK/stm.db

help=$("$STM" --help)
for sub in serve db user org audit config classify controls criteria; do
  grep -q "^  $sub" <<<"$help" || fail "stm --help does not list '$sub'"
done
pass "stm --help lists the subcommands"

printf '%s\n' 'operator-password-1' | "$STM" user add --db "$DB" --username ops --role administrator --password-stdin \
  | grep -q "created user" || fail "user add"
if printf '%s\n' 'short' | "$STM" user add --db "$DB" --username weak --role administrator --password-stdin 2>"$WORK/err"; then
  fail "a short password was accepted"
fi
grep -q "at least 12" "$WORK/err" || fail "short password error does not say why: $(cat "$WORK/err")"
if printf '%s\n' 'exporter-password-1' | "$STM" user add --db "$DB" --username exp --role exporter_user --password-stdin 2>/dev/null; then
  fail "an exporter user without an organisation was accepted"
fi
"$STM" org add --db "$DB" --name "Acme Ltd" --kind exporter --country GB | grep -q "created organisation" || fail "org add"
printf '%s\n' 'exporter-password-1' | "$STM" user add --db "$DB" --username exp --role exporter_user --org "Acme Ltd" \
  --password-stdin | grep -q "created user" || fail "user add --org"
pass "stm user add / org add"

# An empty data directory: this test is about the server, not about importing the default lists.
mkdir -p "$WORK/nodata"
STM_DATA_DIR="$WORK/nodata" STM_ACCESS_LOG=off "$STM" serve --db "$DB" --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 300); do
  PORT=$(sed -n 's|.*serving on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/serve.out")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "server did not start: $(cat "$WORK/serve.err")"
grep -q "Created administrator" "$WORK/serve.out" && fail "a second administrator was bootstrapped over existing users"
curl -sf "http://127.0.0.1:$PORT/healthz" | grep -q '"ok"' || fail "healthz"
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"ops","password":"operator-password-1"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || fail "login"
curl -sf "http://127.0.0.1:$PORT/v1/me" -H "Authorization: Bearer $TOKEN" | grep -q '"username":"ops"' || fail "/v1/me"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "server exited non-zero on SIGTERM"
SERVER_PID=
grep -q "stm stopped" "$WORK/serve.out" || fail "no graceful stop message"
pass "stm serve answers, authenticates and stops gracefully on SIGTERM"

"$STM" db backup --db "$DB" "$WORK/backup.db" | grep -q "backup written" || fail "backup"
"$STM" audit verify --db "$WORK/backup.db" | grep -q "intact" || fail "backup does not verify"
"$STM" db backup --db "$DB" "$WORK/backup.db" 2>/dev/null && fail "backup overwrote an existing file"
pass "stm db backup"

out=$("$STM" audit verify --db "$DB") || fail "intact chain reported broken: $out"
grep -q "intact" <<<"$out" || fail "verify output: $out"
sqlite3 "$DB" "UPDATE audit_events SET summary = '{\"name\":\"forged\"}' WHERE seq = 3"
set +e
out=$("$STM" audit verify --db "$DB")
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "tampered chain verified: $out"
grep -q "event 3" <<<"$out" || fail "verify does not name the edited event: $out"
pass "stm audit verify names the edited event ($out)"

cp "$WORK/backup.db" "$WORK/deleted.db"
sqlite3 "$WORK/deleted.db" "DELETE FROM audit_events WHERE seq = 2"
set +e
out=$("$STM" audit verify --db "$WORK/deleted.db"); rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "event 2" <<<"$out" || fail "deleted row not reported: $out"
pass "stm audit verify names the deleted event"

"$STM" db migrate --db "$WORK/backup.db" | grep -q "at migration" || fail "migrate"
sqlite3 "$WORK/backup.db" "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1"
if "$STM" db migrate --db "$WORK/backup.db" 2>"$WORK/err"; then fail "changed migration accepted"; fi
grep -q "migration 1" "$WORK/err" || fail "changed migration error does not name it: $(cat "$WORK/err")"
pass "a changed applied migration is refused"

# stm classify: no database, no flags beyond input/output; works from the transcribed criteria alone.
cat >"$WORK/items.jsonl" <<'ITEMS'
{"id":"vfd","description":"variable frequency drive, 3-phase inverter","parameters":[{"name":"phases","value":3},{"name":"power rating","value":7.5,"unit":"kVA"},{"name":"max output frequency","value":0.7,"unit":"kHz"},{"name":"frequency stability","value":0.01,"unit":"%"}],"answers":{"usable_as_motor_drive":true,"nrc_licensing_authority":false}}
{"id":"bad","parameters":[{"name":"max output frequency","value":5,"unit":"kg"}]}
not json
ITEMS
set +e
STM_DATA_DIR=/nonexistent "$STM" classify --input "$WORK/items.jsonl" --output "$WORK/out.jsonl" 2>"$WORK/classify.err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "stm classify exit status $rc (expected 1: two bad lines): $(cat "$WORK/classify.err")"
[ "$(wc -l <"$WORK/out.jsonl")" -eq 3 ] || fail "stm classify wrote $(wc -l <"$WORK/out.jsonl") lines, expected 3"
python3 - "$WORK/out.jsonl" <<'PY' || fail "stm classify output: $(cat "$WORK/out.jsonl")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first = rows[0]["candidates"][0]
assert rows[0]["id"] == "vfd" and first["code"] == "3A225" and first["verdict"] == "controlled", first
assert first["regime"] == "nsg2" and "600 Hz" in first["explanation"], first
assert "'kg'" in rows[1]["error"] and "'Hz'" in rows[1]["error"], rows[1]
assert "error" in rows[2], rows[2]
PY
pass "stm classify: 700 Hz drive controlled under 3A225, bad unit and bad line reported, run continues"

"$STM" criteria check >"$WORK/criteria.out" || fail "stm criteria check: $(tail -5 "$WORK/criteria.out")"
grep -q " 0 failed" "$WORK/criteria.out" || fail "criteria check: $(tail -1 "$WORK/criteria.out")"
pass "stm criteria check: $(tail -1 "$WORK/criteria.out")"

# Routing administration and cases: a fresh database gets the seed (data/routing.json) on first use.
RDB=$WORK/routing.db
for sub in teams queues rules flags cases; do
  grep -q "^  $sub" <<<"$help" || fail "stm --help does not list '$sub'"
done
"$STM" queues list --db "$RDB" >"$WORK/queues.json" || fail "stm queues list"
python3 -c 'import json,sys; q=json.load(open(sys.argv[1])); assert [x["name"] for x in q if x["is_default"]] == ["Intake"], q' \
  "$WORK/queues.json" || fail "seeded default queue: $(cat "$WORK/queues.json")"
"$STM" teams add --db "$RDB" --name "Arctic desk" | grep -q '"name": "Arctic desk"' || fail "stm teams add"
"$STM" teams list --db "$RDB" | grep -q '"Arctic desk"' || fail "stm teams list"
"$STM" queues add --db "$RDB" --name Arctic --team "Arctic desk" | grep -q '"name": "Arctic"' || fail "stm queues add"
set +e
"$STM" queues add --db "$RDB" --name Second --team "Arctic desk" --default >/dev/null 2>"$WORK/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "already the default queue" "$WORK/err" || fail "a second default queue: rc $rc $(cat "$WORK/err")"
cat >"$WORK/rule.json" <<'RULE'
{"name": "Arctic destinations", "priority": 1, "queue": "Arctic", "match": {"destinations": ["IS", "GL"]}}
RULE
"$STM" rules add --db "$RDB" --file "$WORK/rule.json" >"$WORK/rule.out" || fail "stm rules add: $(cat "$WORK/rule.out")"
RULE_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/rule.out")
"$STM" rules disable --db "$RDB" "$RULE_ID" | grep -q '"enabled": false' || fail "stm rules disable"
"$STM" rules enable --db "$RDB" "$RULE_ID" | grep -q '"enabled": true' || fail "stm rules enable"
echo '{"name": "Bad", "queue": "Arctic", "match": {"destinations": ["IS", "XX"]}}' >"$WORK/bad_rule.json"
set +e
"$STM" rules add --db "$RDB" --file "$WORK/bad_rule.json" >/dev/null 2>"$WORK/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "match.destinations\[1\]" "$WORK/err" || fail "bad rule: rc $rc $(cat "$WORK/err")"
"$STM" rules list --db "$RDB" | grep -q '"Arctic destinations"' || fail "stm rules list"
echo '{"code": "licence_history", "name": "Previous licence problems", "level": "case", "removable_by": ["licensing_officer"]}' \
  >"$WORK/flag.json"
"$STM" flags define --db "$RDB" --file "$WORK/flag.json" | grep -q '"code": "licence_history"' || fail "stm flags define"
"$STM" flags list --db "$RDB" | grep -q '"screening_hit"' || fail "stm flags list (seeded)"
"$STM" cases list --db "$RDB" --status submitted | grep -q '"total": 0' || fail "stm cases list"
set +e
"$STM" cases show --db "$RDB" 42 >/dev/null 2>"$WORK/err"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "not found" "$WORK/err" || fail "stm cases show of a missing case: rc $rc"
"$STM" audit verify --db "$RDB" | grep -q "intact" || fail "audit chain after the routing commands"
pass "stm teams/queues/rules/flags/cases: seed, administration, validation, audit chain intact"

"$STM" licences list --db "$RDB" | grep -q '"items": \[\]' || fail "stm licences list on an empty database"
"$STM" licences sweep --db "$RDB" | grep -q '"licences_expired": \[\]' || fail "stm licences sweep"
set +e
"$STM" licences list --db "$RDB" --status lapsed >/dev/null 2>"$WORK/err"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "superseded" "$WORK/err" || fail "stm licences list --status lapsed: rc $rc"
pass "stm licences list/sweep"

cat >"$WORK/determine.jsonl" <<'DET'
{"id": "kp", "items": [{"id": "g1", "control_codes": ["3A225"]}], "destination": "KP"}
{"id": "de", "items": [{"id": "g1", "control_codes": ["3A225"]}], "destination": "DE"}
{"id": "ae", "items": [{"control_codes": "not listed"}], "destination": "AE", "red_flags": ["reluctant_end_use_info", "unusual_route_transshipment"]}
{"id": "bad", "items": [{"control_codes": ["3A225"]}], "destination": "Narnia"}
DET
set +e
"$STM" determine --input "$WORK/determine.jsonl" --output "$WORK/determine.out" 2>"$WORK/err"; rc=$?
set -e
[ "$rc" -eq 1 ] || fail "stm determine with one bad line: rc $rc $(cat "$WORK/err")"
python3 - "$WORK/determine.out" <<'PY' || fail "stm determine output: $(cat "$WORK/determine.out")"
import json, sys
rows = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
assert rows["kp"]["policy"] == "prohibited", rows["kp"]
assert any("1718" in c for i in rows["kp"]["items"] for r in i["reasons"] for c in r["citations"]), rows["kp"]
assert rows["de"]["policy"] == "normal" and rows["de"]["licence_type"] == "individual export licence", rows["de"]
assert rows["ae"]["catch_all"]["raised"] and rows["ae"]["licence_required"], rows["ae"]
assert "destination" in rows["bad"]["error"], rows["bad"]
PY
pass "stm determine: prohibited with the resolution, normal for a participant, catch-all, bad line named"

echo "12 passed, 0 failed"
