#!/usr/bin/env bash
# Fuzzing of tracewire's parsers and propagator (cargo fuzz, libFuzzer).
#
#   core/fuzz/run.sh short               every target for FUZZ_SECONDS (60) each, two at a time
#   core/fuzz/run.sh long                every target for FUZZ_RUNS (10 million) executions,
#                                        one after another, then a table of the figures
#   core/fuzz/run.sh seed                rebuilds the committed corpus from tests/vectors
#   core/fuzz/run.sh repro TARGET INPUT  runs one input (a crash artifact) and shows the failure
#
# Installs what it needs when missing (a minimal nightly toolchain, cargo-fuzz in
# the user's cargo home). Everything it writes goes under target/fuzz/: the build,
# the working corpora (started from core/fuzz/corpus/<target>, which only `seed`
# changes), logs and crash artifacts. A crash, a hang (-timeout) or running out of
# memory fails the run with the input's path and the command reproducing it.
#
# Environment: FUZZ_SECONDS, FUZZ_JOBS (targets at a time: 2 in short mode, 1 in
# long mode), FUZZ_RUNS, FUZZ_TARGETS (space-separated; default all).
set -euo pipefail

cd "$(dirname "$0")/../.."
FUZZ_DIR=core/fuzz
OUT=target/fuzz
ALL_TARGETS="traceparent tracestate baggage b3 jaeger xray datadog json env propagator"
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
# The code under test is safe Rust: a sanitizer would find nothing the language
# does not, at half the speed. Overflow checks and debug assertions stay on.
BUILD_FLAGS=(--fuzz-dir "$FUZZ_DIR" -O -s none --target-dir "$OUT")
NICE=
CARGO_FUZZ_VERSION=0.13.2

log() { printf '%s\n' "fuzz: $*" >&2; }

tools() {
    if ! cargo +nightly --version >/dev/null 2>&1; then
        log "installing the nightly toolchain (cargo fuzz needs it)"
        rustup toolchain install nightly --profile minimal
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
        cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
    fi
}

build() {
    cargo +nightly fuzz build "${BUILD_FLAGS[@]}"
    local host
    host=$(rustc +nightly -vV | sed -n 's/^host: //p')
    BIN=$OUT/$host/release
}

# run TARGET CORPUS_DIR LOG LIBFUZZER_ARGS...: one target, new inputs into
# CORPUS_DIR, the committed corpus read too; the exit status is libFuzzer's.
run() {
    local target=$1 corpus=$2 logfile=$3
    shift 3
    mkdir -p "$corpus" "$OUT/artifacts/$target" "$(dirname "$logfile")"
    ${NICE:+nice -n "$NICE"} "$BIN/$target" "$@" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$OUT/artifacts/$target/" \
        "$corpus" "$FUZZ_DIR/corpus/$target" >"$logfile" 2>&1
}

# Prints what failed in a target's log: the panic, the input, how to reproduce it.
explain() {
    local target=$1 logfile=$2
    log "$target FAILED (log: $logfile)"
    # The panic message (up to its backtrace), or libFuzzer's own report (timeout, OOM).
    awk '/panicked at|ERROR: libFuzzer/ { on = 1 } /^stack backtrace|^note: / { on = 0 }
         on && !/^0x|^Base64/ { print; if (++n == 40) exit }' "$logfile" >&2
    local input
    input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$logfile" | tail -1)
    if [ -n "$input" ]; then
        log "input: $input"
        log "reproduce: $FUZZ_DIR/run.sh repro $target $input"
        log "       or: cargo +nightly fuzz run ${BUILD_FLAGS[*]} $target $input"
    fi
}

short() {
    local seconds=${FUZZ_SECONDS:-60} jobs=${FUZZ_JOBS:-2} target failed=()
    log "short run: $seconds s per target, $jobs at a time"
    mkdir -p "$OUT/logs"
    for target in $TARGETS; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        (
            status=0
            run "$target" "$OUT/corpus/$target" "$OUT/logs/$target.log" \
                -max_total_time="$seconds" || status=$?
            echo "$status" >"$OUT/logs/$target.status"
        ) &
    done
    wait
    for target in $TARGETS; do
        local status
        status=$(cat "$OUT/logs/$target.status")
        if [ "$status" = 0 ]; then
            log "$target ok: $(figure stat::number_of_executed_units "$OUT/logs/$target.log") executions"
        else
            explain "$target" "$OUT/logs/$target.log"
            failed+=("$target")
        fi
    done
    if [ ${#failed[@]} -gt 0 ]; then
        log "failed: ${failed[*]}"
        exit 1
    fi
}

# figure NAME LOG: a final statistic libFuzzer printed.
figure() { sed -n "s/^$1: *//p" "$2" | tail -1; }

# Inputs stay at libFuzzer's default -max_len (4096 bytes) in both modes: what
# megabytes of input cost is core/tests/bounds.rs's business.
long() {
    local runs=${FUZZ_RUNS:-10000000} jobs=${FUZZ_JOBS:-1} target
    log "long run: $runs executions per target, $jobs at a time, nice 10"
    NICE=10
    mkdir -p "$OUT/long"
    for target in $TARGETS; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        (
            rm -rf "$OUT/long/$target"
            start=$(date +%s.%N)
            status=0
            run "$target" "$OUT/long/$target" "$OUT/long/$target.log" \
                -runs="$runs" || status=$?
            end=$(date +%s.%N)
            echo "$status $start $end" >"$OUT/long/$target.status"
        ) &
    done
    wait
    local failed=() report=$OUT/long/report.md
    {
        echo "| target | executions | seconds | exec/s | corpus (files) | largest input (bytes) | peak RSS (MB) |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for target in $TARGETS; do
            read -r status start end <"$OUT/long/$target.status"
            local logfile=$OUT/long/$target.log execs seconds largest files
            execs=$(figure stat::number_of_executed_units "$logfile")
            seconds=$(awk "BEGIN { print $end - $start }")
            largest=$(sed -n 's/^#largest_input //p' "$logfile" | tail -1)
            files=$(find "$OUT/long/$target" "$FUZZ_DIR/corpus/$target" -type f | wc -l)
            printf '| %s | %s | %.0f | %.0f | %s | %s | %s |\n' "$target" "${execs:-0}" "$seconds" \
                "$(awk "BEGIN { print ${execs:-0} / $seconds }")" "$files" "${largest:-?}" \
                "$(figure stat::peak_rss_mb "$logfile")"
        done
    } >"$report"
    cat "$report"
    log "table saved to $report"
    for target in $TARGETS; do
        read -r status _ <"$OUT/long/$target.status"
        if [ "$status" != 0 ]; then
            explain "$target" "$OUT/long/$target.log"
            failed+=("$target")
        fi
    done
    [ ${#failed[@]} -eq 0 ] || exit 1
}

# Seeds from the vectors (and, for the structured propagator target, what a
# short run grows from the vectors' values), minimised into the committed
# corpus: a merge measures each seed's coverage (what `cargo fuzz cmin` runs,
# without the artifacts directory it creates in the repository), and at most
# MAX_CORPUS (40) seeds are kept, greedily those covering the most features.
seed() {
    local seeds=$OUT/seeds target
    rm -rf "$seeds"
    python3 "$FUZZ_DIR/seed.py" "$seeds"
    mkdir -p "$seeds/propagator"
    # A crash ends this run early; its inputs are still seeds, and the merge drops the crash.
    "$BIN/propagator" -max_total_time="${SEED_SECONDS:-60}" "$seeds/propagator" \
        >"$OUT/logs/seed-propagator.log" 2>&1 || true
    for target in $TARGETS; do
        rm -rf "$seeds/$target.merged" "$FUZZ_DIR/corpus/$target"
        mkdir -p "$seeds/$target.merged" "$FUZZ_DIR/corpus/$target" "$OUT/artifacts/$target"
        "$BIN/$target" -merge=1 -merge_control_file="$seeds/$target.control" \
            -artifact_prefix="$OUT/artifacts/$target/" \
            "$seeds/$target.merged" "$seeds/$target" >"$OUT/logs/seed-$target.log" 2>&1 ||
            { tail -5 "$OUT/logs/seed-$target.log" >&2; exit 1; }
        python3 "$FUZZ_DIR/seed.py" pick "$seeds/$target.control" "${MAX_CORPUS:-40}" |
            while read -r input; do cp "$input" "$FUZZ_DIR/corpus/$target/"; done
        log "$target: $(find "$FUZZ_DIR/corpus/$target" -type f | wc -l) corpus files"
    done
}

repro() {
    local target=${1:?usage: run.sh repro TARGET INPUT} input=${2:?usage: run.sh repro TARGET INPUT}
    RUST_BACKTRACE=1 "$BIN/$target" "$input"
}

mode=${1:-short}
shift || true
case $mode in
    short | long | seed | repro)
        tools
        build
        mkdir -p "$OUT/logs"
        "$mode" "$@"
        ;;
    *)
        echo "usage: $0 short|long|seed|repro TARGET INPUT" >&2
        exit 2
        ;;
esac
