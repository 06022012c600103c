#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers with SharpFuzz + afl++ (docs/adr/0013-coverage-guided-fuzzing.md).
#
#   bench/fuzz.sh [--execs N | --seconds N] [--jobs N] [--out DIR] [--no-build] [TARGET...]
#
# Default: every target (tests/Choria.Fuzz, `choria-fuzz list`) until 1,000,000 executions each, one afl-fuzz
# at a time. --seconds stops each target after N seconds instead (test.sh's short run). Prints one line per
# target (executions, edges, crashes, hangs) and a summary line in the test runner's format, and exits 1 when
# any target found a crash or a hang; the inputs are kept in DIR/TARGET/findings/default/{crashes,hangs}.
# Replay one with: dotnet tests/Choria.Fuzz/bin/Release/net10.0/Choria.Fuzz.dll replay TARGET FILE
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/lib.sh"

execs=1000000 seconds="" jobs=1 out="" build=1 targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --execs) execs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=""; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

ensure_dotnet
ensure_packages afl++:afl-fuzz
[ -n "$out" ] || out=$(mktemp -d /tmp/choria-fuzz.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The instrumenting tool, pinned, installed once per user rather than globally.
tools="${XDG_CACHE_HOME:-$HOME/.cache}/choria-fuzz/sharpfuzz-2.3.0"
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null

if [ -n "$build" ]; then
  dotnet build "$root/tests/Choria.Fuzz" -c Release --nologo -v q >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
fi
plain="$root/tests/Choria.Fuzz/bin/Release/net10.0"
# afl-fuzz runs an instrumented copy; the build output stays plain so replay and the unit tests can use it.
rm -rf "$out/bin" && cp -r "$plain/." "$out/bin/"
for assembly in Protocol Config Ddl Security Machine Server; do
  "$tools/sharpfuzz" "$out/bin/Choria.$assembly.dll" >/dev/null
done

[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(dotnet "$plain/Choria.Fuzz.dll" list | cut -f1)

# Shared machines: no core pinning, no CPU governor check, no core_pattern demand; plain log output.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_AUTORESUME=1

fuzz_one() {
  local target=$1 dir="$out/$1"
  mkdir -p "$dir/seeds"
  dotnet "$plain/Choria.Fuzz.dll" seeds "$target" "$root/tests/fixtures" "$dir/seeds" >/dev/null
  local limit=(-E "$execs")
  [ -n "$seconds" ] && limit=(-V "$seconds")
  # -t: a single input taking 5 s is a hang (a real parse takes microseconds; the margin covers a loaded box).
  afl-fuzz -i "$dir/seeds" -o "$dir/findings" -t 5000 "${limit[@]}" -- dotnet "$out/bin/Choria.Fuzz.dll" run "$target" \
    >"$dir/afl.log" 2>&1 || echo "afl-fuzz failed for $target, see $dir/afl.log" >&2
}

started=$SECONDS
running=0
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

stat() { awk -F' *: *' -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null; }
passed=0 failed=0
printf '%-12s %10s %9s %8s %7s %7s %6s\n' target execs "execs/s" edges crashes hangs "time"
for target in "${targets[@]}"; do
  stats="$out/$target/findings/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "$target: afl-fuzz did not run (see $out/$target/afl.log)"
    failed=$((failed + 1))
    continue
  fi
  crashes=$(stat "$stats" saved_crashes) hangs=$(stat "$stats" saved_hangs)
  printf '%-12s %10s %9s %8s %7s %7s %5ss\n' "$target" "$(stat "$stats" execs_done)" "$(stat "$stats" execs_per_sec)" \
    "$(stat "$stats" edges_found)" "$crashes" "$hangs" "$(stat "$stats" run_time)"
  if [ "${crashes:-0}" -eq 0 ] && [ "${hangs:-0}" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "  findings: $out/$target/findings/default/crashes and hangs"
  fi
done
word=Passed; [ "$failed" -gt 0 ] && word=Failed
echo "$word!  - Failed: $failed, Passed: $passed, Skipped: 0, Total: $((passed + failed)), Duration: $((SECONDS - started)) s - fuzz (afl++)"
[ "$failed" -eq 0 ]
