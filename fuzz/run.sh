#!/usr/bin/env bash
# Builds the seed corpora from the project's fixtures and runs the fuzz targets one after the
# other, one process each (the build machine has 2 shared cores).
#
#   fuzz/run.sh                 # every target, 180 s each
#   fuzz/run.sh 600 read        # one target, 600 s
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); on a stable toolchain RUSTC_BOOTSTRAP=1
# lets it use the nightly-only sanitizer flags. Crashes land in fuzz/artifacts/<target>/, the
# full libFuzzer output in fuzz/fuzz-<target>.log.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-180}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(read audit model_from_bytes)
FIX=../datasets/fixtures

# Seeds for `read` and `audit`: every fixture behind a control byte (see the targets' docs):
# 0x08 = detect + strict, 0x18 = detect + lenient, 0x38 = lenient + chunked, 0x1N = format N.
seed_readers() {
    local dir=$1
    mkdir -p "$dir"
    local i=0
    for f in "$FIX"/*.* "$FIX"/malformed/* "$FIX"/hostile/*; do
        [ -f "$f" ] || continue
        [ "$(basename "$f")" = cresci_tweets.csv ] && continue
        for ctl in 08 18 38; do
            { printf "\\x$ctl"; cat "$f"; } > "$dir/seed-$i-$ctl"
        done
        i=$((i + 1))
    done
    local n=0
    for f in cresci_users.csv twitter_v1.jsonl twitter_v2.json instagram.jsonl instafake.json \
        instagram_kaggle.csv instagram_srf.csv weibo.jsonl; do
        { printf "\\x1$n"; cat "$FIX/$f"; } > "$dir/format-$n"
        n=$((n + 1))
    done
    # Users joined with tweets: 0x98 = detect + lenient + a tweets file after the first NUL.
    { printf '\x98'; cat "$FIX/cresci_users.csv"; printf '\x00'; cat "$FIX/cresci_tweets.csv"; } \
        > "$dir/tweets-98"
}

seed_readers corpus/read
seed_readers corpus/audit
mkdir -p corpus/model_from_bytes
cp seeds/model_from_bytes/* corpus/model_from_bytes/ 2>/dev/null || true

for t in "${TARGETS[@]}"; do
    echo "=== $t: ${SECS}s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- \
        -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
        > "fuzz-$t.log" 2>&1 || echo "$t: libFuzzer stopped with a failure (see fuzz/fuzz-$t.log)"
    grep -E "^Done|^stat::(number_of_executed_units|average_exec_per_sec)|panicked|SUMMARY|Test unit written" \
        "fuzz-$t.log" || true
done
