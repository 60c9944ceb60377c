#!/usr/bin/env bash
# Screening benchmark: STM's matching engine against PostgreSQL pg_trgm over the same names and queries.
#
# Usage: bench/screening_vs_pg_trgm.sh BUILD_DIR
#   BUILD_DIR must contain `bench_screening`.
#
# Environment (all optional):
#   DATA=DIR        data directory holding sanctions/ and eval/screening/ (default: ../shared/data from the
#                   repository root)
#   REPEAT=2        timed passes per thread count on the STM side (bench_screening --repeat)
#   PG_BIN=DIR      PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   PG_RUN_AS=USER  the account that runs PostgreSQL when this script runs as root (default: nobody)
#
# Steps: runs bench_screening (which prints its own table and exports the indexed names and the queries),
# starts a private PostgreSQL cluster in a temporary directory listening on 127.0.0.1 only, loads one row
# per indexed name, builds a GIN trigram index, runs every query name over one connection with
# pg_trgm.similarity_threshold = 0.5 (WHERE name % q ORDER BY similarity DESC LIMIT 10), and prints STM and
# pg_trgm side by side. The cluster is stopped and the temporary directory removed on exit, whatever
# happens. Requires postgresql and postgresql-contrib (pg_trgm), and python3. Installs nothing.

set -euo pipefail

die() {
  echo "screening_vs_pg_trgm: error: $*" >&2
  exit 1
}
[[ $# -eq 1 ]] || {
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
}
BUILD_DIR=$1
BENCH="$BUILD_DIR/bench_screening"
REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$REPO_ROOT/../shared/data}
REPEAT=${REPEAT:-2}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_RUN_AS=${PG_RUN_AS:-nobody}

[[ -x $BENCH ]] || die "$BENCH not found (build the bench_screening target)"
[[ -d $DATA/sanctions && -d $DATA/eval/screening ]] || die "$DATA has no sanctions/ or eval/screening/ (set DATA)"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "REPEAT must be a positive integer (got '$REPEAT')"
for b in initdb pg_ctl postgres psql; do
  [[ -x $PG_BIN/$b ]] || die "$PG_BIN/$b not found (install postgresql, or set PG_BIN)"
done
command -v python3 >/dev/null || die "python3 not found"

TMP=$(mktemp -d /tmp/stm-pgtrgm.XXXXXX)
PGDATA="$TMP/pg/data"
SOCK="$TMP/pg/sock"
PG_STARTED=0

# Commands for the server run as the PostgreSQL account (root may not run the server).
AS_PG=()
[[ $(id -u) -eq 0 ]] && AS_PG=(runuser -u "$PG_RUN_AS" --)

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ $PG_STARTED -eq 1 ]]; then
    "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 20 stop >/dev/null 2>&1 || {
      # Last resort: the postmaster's own pid.
      pid=$(head -1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
      [[ $pid =~ ^[0-9]+$ ]] && kill -9 "$pid" 2>/dev/null || true
    }
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# ---------------------------------------------------------------- STM side
mkdir -p "$TMP/export"
echo "== STM (bench_screening --repeat $REPEAT)"
timeout 240 "$BENCH" --data "$DATA" --out-dir "$TMP/export" --repeat "$REPEAT" || die "bench_screening failed"
for f in names.tsv queries.tsv stm_results.tsv; do
  [[ -s $TMP/export/$f ]] || die "bench_screening did not write $f"
done

# ---------------------------------------------------------------- PostgreSQL cluster
mkdir -p "$PGDATA" "$SOCK"
chmod 755 "$TMP" "$TMP/export"
chmod 644 "$TMP"/export/*
if [[ $(id -u) -eq 0 ]]; then
  id "$PG_RUN_AS" >/dev/null 2>&1 || die "user $PG_RUN_AS does not exist (set PG_RUN_AS)"
  chown -R "$PG_RUN_AS" "$TMP/pg"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

echo
echo "== PostgreSQL pg_trgm (private cluster on 127.0.0.1:$PORT)"
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U bench -A trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 ||
  { cat "$TMP/initdb.log" >&2; die "initdb failed"; }
PG_STARTED=1
"${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$TMP/pg/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null || { cat "$TMP/pg/server.log" >&2 || true; die "PostgreSQL did not start"; }

PSQL=("${AS_PG[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U bench -d postgres)

t0=$(now)
"${PSQL[@]}" >/dev/null <<SQL || die "loading the names failed"
CREATE EXTENSION pg_trgm;
CREATE TABLE names (list text NOT NULL, entity_id integer NOT NULL, source_id text, name text NOT NULL);
\copy names FROM '$TMP/export/names.tsv'
SQL
t1=$(now)
"${PSQL[@]}" >/dev/null <<SQL || die "building the index failed"
SET maintenance_work_mem = '256MB';
CREATE INDEX names_trgm ON names USING gin (name gin_trgm_ops);
VACUUM ANALYZE names;
SQL
t2=$(now)
IFS='|' read -r PG_ROWS PG_TABLE PG_INDEX < <("${PSQL[@]}" -At -F '|' -c \
  "SELECT count(*), pg_size_pretty(pg_table_size('names')), pg_size_pretty(pg_relation_size('names_trgm')) FROM names")
PG_LOAD_S=$(elapsed "$t0" "$t1")
PG_BUILD_S=$(elapsed "$t1" "$t2")
echo "  names loaded: $PG_ROWS rows in ${PG_LOAD_S} s (table $PG_TABLE)"
echo "  GIN trigram index build (+ VACUUM ANALYZE): ${PG_BUILD_S} s (index $PG_INDEX)"

# One statement per query, all through one psql session (one connection). One untimed warm-up pass, then a
# timed pass.
python3 - "$TMP/export/queries.tsv" "$TMP/queries.sql" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
    out.write("SET pg_trgm.similarity_threshold = 0.5;\nSET statement_timeout = '10s';\n")
    for line in f:
        qid, _set, name, _exp, _exp_any = line.rstrip("\n").split("\t")
        name = name.replace("\\\\", "\\")  # COPY text escaping back to the plain name
        lit = "'" + name.replace("'", "''") + "'"
        out.write(f"SELECT {qid}, list, entity_id, similarity(name, {lit}) AS sim FROM names "
                  f"WHERE name % {lit} ORDER BY sim DESC LIMIT 10;\n")
PY
NQ=$(wc -l <"$TMP/export/queries.tsv")
chmod 644 "$TMP/queries.sql"
timeout 120 "${PSQL[@]}" -At -F $'\t' -f "$TMP/queries.sql" >/dev/null || die "pg_trgm warm-up pass failed"
t3=$(now)
timeout 120 "${PSQL[@]}" -At -F $'\t' -f "$TMP/queries.sql" >"$TMP/pg_results.tsv" || die "pg_trgm query pass failed"
t4=$(now)
PG_QUERY_S=$(elapsed "$t3" "$t4")
echo "  $NQ queries over one connection: ${PG_QUERY_S} s"

# ---------------------------------------------------------------- side by side
python3 - "$TMP/export/queries.tsv" "$TMP/pg_results.tsv" "$TMP/export/stm_results.tsv" "$PG_QUERY_S" \
  "$PG_BUILD_S" "$PG_INDEX" <<'PY'
import sys
from collections import defaultdict
qfile, rfile, sfile, pg_s, pg_build, pg_index = sys.argv[1:7]
pg_s = float(pg_s)

queries = []
for line in open(qfile, encoding="utf-8"):
    qid, qset, _name, exp, exp_any = line.rstrip("\n").split("\t")
    queries.append((int(qid), qset, {int(e) for e in exp.split(",") if e}, {int(e) for e in exp_any.split(",") if e}))
res = defaultdict(list)  # qid -> [(entity_id, sim)] best first
for line in open(rfile, encoding="utf-8"):
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 4:
        continue
    res[int(parts[0])].append((int(parts[2]), float(parts[3])))

def pg_figures(threshold, any_list=False):
    mapped = at1 = at10 = 0
    neg = alerted = 0
    for qid, qset, exp_un, exp_any in queries:
        exp = exp_any if any_list else exp_un
        hits = [(e, s) for e, s in res.get(qid, []) if s >= threshold]
        if qset == "pos":
            if not exp:
                continue
            mapped += 1
            # one row per name: keep each entity's best rank
            ents = []
            for e, _s in hits:
                if e not in ents:
                    ents.append(e)
            if ents[:1] and ents[0] in exp:
                at1 += 1
            if any(e in exp for e in ents[:10]):
                at10 += 1
        else:
            neg += 1
            alerted += bool(hits)
    return (100.0 * at1 / mapped if mapped else 0, 100.0 * at10 / mapped if mapped else 0,
            1000.0 * alerted / neg if neg else 0)

stm = {}
for line in open(sfile):
    k, v = line.rstrip("\n").split("\t")
    stm[k] = float(v)

pg_qps = len(queries) / pg_s if pg_s > 0 else 0
p5, p5a = pg_figures(0.5), pg_figures(0.5, True)
p7, p7a = pg_figures(0.7), pg_figures(0.7, True)
print()
print(f"== STM vs pg_trgm  ({len(queries)} queries; recall over {int(stm['pos_mapped'])} mapped treated UN positives;"
      f" {sum(1 for q in queries if q[1] != 'pos')} negatives)")
print(f"  {'':34} {'':>10} {'UN entity':>20}  {'same person, any list':>21}")
print(f"  {'':34} {'queries/s':>10} {'recall@1':>9} {'recall@10':>10}  {'recall@1':>9} {'recall@10':>10}"
      f" {'alerts/1000':>12}")
def row(label, qps, r1, r10, a1, a10, alerts):
    alerts = alerts if isinstance(alerts, str) else f"{alerts:.1f}"
    print(f"  {label:34} {qps:>10} {r1:>8.1f}% {r10:>9.1f}%  {a1:>8.1f}% {a10:>9.1f}% {alerts:>12}")
row("STM, 1 thread, score >= 0.80", f"{stm['qps_1']:.1f}", stm['recall1'], stm['recall10'], stm['recall1_any'],
    stm['recall10_any'], stm['alerts_per_1000'])
row("STM, 2 threads, score >= 0.80", f"{stm['qps_2']:.1f}", stm['recall1'], stm['recall10'], stm['recall1_any'],
    stm['recall10_any'], stm['alerts_per_1000'])
row("STM, ranking only (threshold 0)", "-", stm['recall1_rank'], stm['recall10_rank'], stm['recall1_any_rank'],
    stm['recall10_any_rank'], "-")
row("pg_trgm, 1 connection, sim >= 0.5", f"{pg_qps:.1f}", p5[0], p5[1], p5a[0], p5a[1], p5[2])
row("pg_trgm, same pass, sim >= 0.7", "-", p7[0], p7[1], p7a[0], p7a[1], p7[2])
print()
print(f"  index build: STM {stm['build_s']:.2f} s (peak RSS {stm['peak_rss_mib']:.0f} MiB, whole process);"
      f" pg_trgm GIN {float(pg_build):.2f} s (index {pg_index} on disk)")
if pg_qps > 0:
    print(f"  throughput ratio STM/pg_trgm: {stm['qps_1'] / pg_qps:.1f}x (1 thread vs 1 connection),"
          f" {stm['qps_2'] / pg_qps:.1f}x (STM 2 threads)")
print("  STM queries carry the name, birth date and nationality; pg_trgm sees the name only.")
PY
