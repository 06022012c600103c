#!/usr/bin/env bash
# Installs what is missing, builds dist/choria and runs the whole test suite.
# Ends with one summary line "N passed, N failed[, N skipped]".
set -euo pipefail
cd "$(dirname "$0")"
suite_started=$(date +%s)
. scripts/lib.sh
ensure_dotnet
# Ruby agent tests (Trait Requires=ruby) run real Ruby with Debian's MCollective 2.12.
ensure_packages nats-server:nats-server util-linux:setpriv openssl:openssl ruby:ruby mcollective-common:-
# The fuzzing group (bench/fuzz.sh) runs afl++ on SharpFuzz-instrumented assemblies.
ensure_packages afl++:afl-fuzz
# The Puppet CA group (Trait Requires=puppetserver) runs Debian's puppetserver 7 and puppet 7.
ensure_packages puppetserver:- puppet:puppet
# The comparison with the real Ruby mcollectived and mco (Group=mcollectived) runs them over their own RabbitMQ.
ensure_packages mcollective:mcollectived mcollective-client:mco rabbitmq-server:- ruby-stomp:-
# Packages (Trait Group=packaging and the rpm/deb checks): rpmbuild, the linux-arm64 cross-link, qemu-user for arm64.
ensure_packages rpm:rpmbuild clang:clang lld:ld.lld llvm:llvm-objcopy libc6-dev-arm64-cross:- libgcc-12-dev-arm64-cross:- \
  qemu-user:qemu-aarch64
# The root qemu-aarch64 runs the arm64 binary in: the cross C libraries plus Debian's libssl3:arm64 (scripts/lib.sh).
# Not fatal here: the packaging group's arm64 tests try again and fail with apt's reason.
arm64_sysroot artifacts/arm64-root || echo "warning: could not make the arm64 root for qemu (artifacts/arm64-root)" >&2

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

log=$(mktemp)
# When each group ended, in seconds since test.sh started: printed at the end to show the suite's critical path.
timeline=$(mktemp)
ended() { echo "$1 $(( $(date +%s) - suite_started ))" >>"$timeline"; }
pca_log=$(mktemp)
mcd_log=$(mktemp)
plugin_log=$(mktemp)
faults_log=$(mktemp)
pkg_log=$(mktemp)
fuzz_log=$(mktemp)
fuzz_dir=$(mktemp -d)
# The packaging group runs from its own copy of its test build: the builds below must not rewrite the assemblies a
# running test host has loaded. Under artifacts/ so the tests still find the repository root above it.
pkg_bin=artifacts/test-packaging
lane1_pid=""
lane2_pid=""
lane3_pid=""
stop_lanes() {
  for pid in "$lane1_pid" "$lane2_pid" "$lane3_pid"; do
    if [ -n "$pid" ]; then kill -- -"$pid" 2>/dev/null || true; fi
  done
  lane1_pid="" lane2_pid="" lane3_pid=""
}
cleanup() {
  # An interrupted run must not leave the background lanes behind: Puppet CA's java, the fuzzers, RabbitMQ and
  # mcollectived, the packaging and plugin builds.
  stop_lanes
  rm -rf "$log" "$timeline" "$pca_log" "$mcd_log" "$plugin_log" "$fuzz_log" "$fuzz_dir" "$faults_log" "$pkg_log" "$pkg_bin"
  for f in "$pca_log" "$mcd_log" "$plugin_log" "$fuzz_log" "$faults_log" "$pkg_log"; do rm -f "$f".rc "$f".seconds; done
}
trap cleanup EXIT

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...") of a log.
sum_counts() {
  awk '
    /(Passed|Failed)! +- +Failed:/ {
      for (i = 1; i <= NF; i++) {
        v = $(i + 1); gsub(",", "", v)
        if ($i == "Failed:") f += v
        if ($i == "Passed:") p += v
        if ($i == "Skipped:") s += v
      }
    }
    END { printf "%d %d %d\n", p, f, s }' "$1"
}

# Runs one group in the current shell: "group NAME LOG COMMAND..." writes the group's output to LOG, its exit code to
# LOG.rc and its wall time to LOG.seconds, and adds NAME to the timeline.
group() {
  local name=$1 out=$2 started rc=0
  shift 2
  started=$(date +%s)
  "$@" >"$out" 2>&1 || rc=$?
  echo "$rc" >"$out.rc"
  echo $(( $(date +%s) - started )) >"$out.seconds"
  ended "$name"
}

# The suite is CPU-bound on the 2-core CI machine: the groups that are whole builds (packaging, the plugin round
# trip) run under nice 10 and take the CPU the others leave, so the groups that wait on processes and measure time
# (the main run, the fault scenarios, Puppet CA, mcollectived, afl++'s hang limit) keep their pace beside them.
# Heavy groups at the same priority as the rest once starved RabbitMQ's boot past its 3-minute limit.
status=0
test_args=(--nologo --logger "console;verbosity=minimal")
if [ "${CHORIA_PACKAGING:-1}" != 0 ]; then
  # Lane 2, the packaging group (docs/packaging.md: the packager builds a custom build for linux-x64 and linux-arm64
  # Native AOT and win-x64 in a copy of the checkout, packages it, installs the deb, runs the arm64 binary under
  # qemu), is the longest group and needs neither dist/choria nor the rest of the solution: it starts first, beside
  # ./build.sh and the compile. CHORIA_PACKAGING=0 leaves it out.
  dotnet build tests/Choria.Packager.Tests -c Release --nologo -v q 2>&1 | tee "$log" || status=$?
  if [ "$status" -eq 0 ]; then
    rm -rf "$pkg_bin"
    cp -a tests/Choria.Packager.Tests/bin/Release/net10.0 "$pkg_bin"
    set -m
    group packaging "$pkg_log" nice -n 10 dotnet test "$pkg_bin/Choria.Packager.Tests.dll" "${test_args[@]}" \
      --filter "Group=packaging" &
    lane2_pid=$!
    set +m
  fi
fi

./build.sh
export CHORIA_BIN="$PWD/dist/choria"
ended build

dotnet build Choria.slnx -c Release --nologo -v q 2>&1 | tee -a "$log" || status=$?
ended compile

# A group whose lane was stopped before it ran has no exit code: count it as failed.
lane_rc() { if [ -s "$1.rc" ]; then cat "$1.rc"; else echo 1; fi; }
# Prints a group's log with its wall time, adds it to the summed log and its exit code to the run's status.
report() {
  local rc
  echo ">> $2 ($(cat "$1.seconds" 2>/dev/null || echo '?') s):"
  cat "$1"
  cat "$1" >>"$log"
  rc=$(lane_rc "$1")
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then status=$rc; fi
}
if [ "$status" -eq 0 ]; then
  # Each background lane gets its own process group (set -m) so an interrupted run can stop it, java and the
  # fuzzers included.
  set -m
  # Lane 1: the Puppet CA group (puppetserver's JVM start is the heavy part), then the comparison with mcollectived
  # over RabbitMQ, then the short fuzzing run (docs/reliability.md: every target for CHORIA_FUZZ_SECONDS seconds,
  # one at a time; afl++ holds a core).
  (
    group puppet-ca "$pca_log" dotnet test tests/Choria.PuppetCa.Tests -c Release --no-build "${test_args[@]}" -v q \
      --filter "Requires=puppetserver"
    group mcollectived "$mcd_log" dotnet test tests/Choria.IntegrationTests -c Release --no-build "${test_args[@]}" -v q \
      --filter "Group=mcollectived"
    group fuzz "$fuzz_log" bench/fuzz.sh --no-build --seconds "${CHORIA_FUZZ_SECONDS:-10}" --out "$fuzz_dir"
  ) &
  lane1_pid=$!
  # Lane 3: the plugin round trip (Category=Slow: a whole ./build.sh of a copy of the checkout with a plugin).
  group plugin "$plugin_log" nice -n 10 dotnet test tests/Choria.IntegrationTests -c Release --no-build "${test_args[@]}" \
    -v q --filter "Category=Slow&Group!=mcollectived" &
  lane3_pid=$!
  set +m
  dotnet test Choria.slnx -c Release --no-build "${test_args[@]}" -v q \
    --filter "Group!=mcollectived&Group!=faults&Group!=packaging&Category!=Slow&Requires!=puppetserver" 2>&1 | tee -a "$log" || status=$?
  ended main
  # The fault scenarios (Group=faults: brokers killed, partitions, floods, slow consumers) measure timing: they run
  # once the main run is over, beside the lanes (the heavy ones niced).
  group faults "$faults_log" dotnet test tests/Choria.IntegrationTests -c Release --no-build "${test_args[@]}" -v q \
    --filter "Group=faults"
  for pid in "$lane1_pid" "$lane2_pid" "$lane3_pid"; do
    if [ -n "$pid" ]; then wait "$pid" || true; fi
  done
  lane1_pid="" lane2_pid="" lane3_pid=""
  report "$mcd_log" "slow group: mcollectived comparison"
  report "$plugin_log" "slow group: plugin round trip"
  report "$fuzz_log" "fuzz group: afl++, short run"
  report "$faults_log" "slow group: fault scenarios"
  pca_status=$(lane_rc "$pca_log")
  echo ">> slow group (Puppet CA, real puppetserver, $(cat "$pca_log.seconds" 2>/dev/null || echo '?') s):"
  cat "$pca_log"
  if [ "${CHORIA_PACKAGING:-1}" != 0 ]; then
    report "$pkg_log" "slow group: packaging, custom build for linux-x64, linux-arm64 and win-x64, rpm and deb"
  fi
else
  # The build failed: the packaging lane started before it has nothing to report.
  stop_lanes
  pca_status=0
fi

read -r passed failed skipped < <(sum_counts "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run failed before or outside any test (build error, crashed host): count it as a failure.
  failed=1
fi

read -r pca_passed pca_failed pca_skipped < <(sum_counts "$pca_log")
if grep -q "puppetserver unavailable:" "$pca_log"; then
  # Every test of the group fails the same way when the server cannot start: one failure says it.
  reason=$(grep -m1 -o "puppetserver unavailable:.*" "$pca_log")
  echo "error: the Puppet CA tests could not run: ${reason}" >&2
  pca_passed=0 pca_failed=1 pca_skipped=0
elif [ "$pca_status" -ne 0 ] && [ "$pca_failed" -eq 0 ]; then
  pca_failed=1
fi
if [ "$pca_status" -ne 0 ] && [ "$status" -eq 0 ]; then status=$pca_status; fi

echo ">> timeline (seconds since test.sh started, when each group ended): $(sort -k2 -n "$timeline" | tr '\n' ' ')"
echo "$((passed + pca_passed)) passed, $((failed + pca_failed)) failed, $((skipped + pca_skipped)) skipped"
exit "$status"
