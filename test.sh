#!/usr/bin/env bash
# Installs what is missing, builds dist/choria and runs the whole test suite.
# Ends with one summary line "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")"
. scripts/lib.sh
ensure_dotnet
# Ruby agent tests (Trait Requires=ruby) run real Ruby with Debian's MCollective 2.12.
ensure_packages nats-server:nats-server util-linux:setpriv openssl:openssl ruby:ruby mcollective-common:-

# The repository stands alone: no tracked file may name the reference folder beside a developer's
# checkout (a user's clone has none). Only tests/fixtures/README.md says where the fixtures came from.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  outside=$(git grep -n -e '\.\./shared' -e 'shared/[f]ixtures' -- . ':!tests/fixtures/README.md' || true)
  if [ -n "$outside" ]; then
    echo "error: these tracked files refer to files outside the repository:" >&2
    printf '%s\n' "$outside" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
  fi
fi

./build.sh
export CHORIA_BIN="$PWD/dist/choria"

log=$(mktemp)
slowlog=$(mktemp)
trap 'rm -f "$log" "$slowlog"' EXIT
status=0
# Build once, then run the slow group (Category=Slow: whole ./build.sh runs of a copy of the checkout, minutes
# each) in the background beside the rest, so the suite takes as long as the longer of the two.
if ! dotnet build Choria.slnx -c Release --nologo -v q 2>&1 | tee "$log"; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
dotnet test tests/Choria.IntegrationTests -c Release --no-build --nologo -v q --filter "Category=Slow" \
  --logger "console;verbosity=minimal" >"$slowlog" 2>&1 &
slowpid=$!
dotnet test Choria.slnx -c Release --no-build --nologo -v q --filter "Category!=Slow" \
  --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?
slowstatus=0
wait "$slowpid" || slowstatus=$?
echo ">> slow group (Category=Slow):"
cat "$slowlog"
cat "$slowlog" >>"$log"
if [ "$slowstatus" -ne 0 ] && [ "$status" -eq 0 ]; then
  status=$slowstatus
fi

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      v = $(i + 1); gsub(",", "", v)
      if ($i == "Failed:") f += v
      if ($i == "Passed:") p += v
      if ($i == "Skipped:") s += v
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run failed before or outside any test (build error, crashed host): count it as a failure.
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
