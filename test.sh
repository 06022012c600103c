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

./build.sh
export CHORIA_BIN="$PWD/dist/choria"

log=$(mktemp)
# When each group ended, in seconds since test.sh started: printed at the end to show the suite's critical path.
timeline=$(mktemp)
ended() { echo "$1 $(( $(date +%s) - suite_started ))" >>"$timeline"; }
ended build
slow_log=$(mktemp)
pca_log=$(mktemp)
faults_log=$(mktemp)
pkg_log=$(mktemp)
fuzz_log=$(mktemp)
fuzz_dir=$(mktemp -d)
lane1_pid=""
lane2_pid=""
cleanup() {
  # An interrupted run must not leave the background lanes behind: Puppet CA's java, the fuzzers, the fault
  # scenarios' brokers and emulated fleets, the packaging builds.
  [ -n "$lane1_pid" ] && kill -- -"$lane1_pid" 2>/dev/null || true
  [ -n "$lane2_pid" ] && kill -- -"$lane2_pid" 2>/dev/null || true
  rm -rf "$log" "$timeline" "$slow_log" "$pca_log" "$fuzz_log" "$fuzz_dir" "$faults_log" "$pkg_log"
  rm -f "$slow_log".rc "$pca_log".rc "$fuzz_log".rc "$faults_log".rc "$faults_log".seconds "$pkg_log".rc "$pkg_log".seconds
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

status=0
dotnet build Choria.slnx -c Release --nologo -v q 2>&1 | tee "$log" || status=$?
ended compile

# Slow groups run in two background lanes beside the main run; their summaries are added to the final line.
# Two lanes, not one job per group: on a 2-core CI machine five heavy groups at once starved RabbitMQ's boot past
# its 3-minute limit. Each lane gets its own process group (set -m) so an interrupted run can stop it, java and
# the fuzzers included.
slow_status=0
pca_status=0
pkg_status=0
fuzz_status=0
faults_status=0
if [ "$status" -eq 0 ]; then
  set -m
  # Lane 1: the Puppet CA group (puppetserver's JVM start is the heavy part), then the comparison with mcollectived
  # and the plugin round trip (whole ./build.sh runs of a copy of the checkout), then the short fuzzing run
  # (docs/reliability.md: every target for CHORIA_FUZZ_SECONDS seconds, one at a time; afl++ holds a core).
  # The lanes are balanced to end together: lane 2's package builds are the longest group.
  (
    rc=0
    dotnet test tests/Choria.PuppetCa.Tests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" \
      --filter "Requires=puppetserver" >"$pca_log" 2>&1 || rc=$?
    echo "$rc" >"$pca_log.rc"
    ended puppet-ca
    rc=0
    dotnet test tests/Choria.IntegrationTests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" \
      --filter "Group=mcollectived|Category=Slow" >"$slow_log" 2>&1 || rc=$?
    echo "$rc" >"$slow_log.rc"
    ended mcollectived+slow
    rc=0
    bench/fuzz.sh --no-build --seconds "${CHORIA_FUZZ_SECONDS:-10}" --out "$fuzz_dir" >"$fuzz_log" 2>&1 || rc=$?
    echo "$rc" >"$fuzz_log.rc"
    ended fuzz
  ) &
  lane1_pid=$!
  # Lane 2: the packaging group (docs/packaging.md: the packager builds a custom build for linux-x64 and linux-arm64
  # Native AOT and win-x64, packages it, installs the deb, runs the arm64 binary under qemu; CPU-bound builds that
  # only get slower beside the main run), then the fault scenarios (Group=faults: brokers killed, partitions,
  # floods, slow consumers), which measure timing and so run last, once the main run has freed the machine.
  # CHORIA_PACKAGING=0 leaves the packaging group out.
  (
    if [ "${CHORIA_PACKAGING:-1}" != 0 ]; then
      started=$(date +%s)
      rc=0
      dotnet test tests/Choria.Packager.Tests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" \
        --filter "Group=packaging" >"$pkg_log" 2>&1 || rc=$?
      echo "$rc" >"$pkg_log.rc"
      echo $(( $(date +%s) - started )) >"$pkg_log.seconds"
      ended packaging
    fi
    started=$(date +%s)
    rc=0
    dotnet test tests/Choria.IntegrationTests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" \
      --filter "Group=faults" >"$faults_log" 2>&1 || rc=$?
    echo "$rc" >"$faults_log.rc"
    echo $(( $(date +%s) - started )) >"$faults_log.seconds"
    ended faults
  ) &
  lane2_pid=$!
  set +m
  dotnet test Choria.slnx -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" \
    --filter "Group!=mcollectived&Group!=faults&Group!=packaging&Category!=Slow&Requires!=puppetserver" 2>&1 | tee -a "$log" || status=$?
  ended main
  wait "$lane1_pid" || true
  lane1_pid=""
  wait "$lane2_pid" || true
  lane2_pid=""
  # A group whose lane was stopped before it ran has no exit code: count it as failed.
  lane_rc() { if [ -s "$1.rc" ]; then cat "$1.rc"; else echo 1; fi; }
  slow_status=$(lane_rc "$slow_log")
  pca_status=$(lane_rc "$pca_log")
  fuzz_status=$(lane_rc "$fuzz_log")
  faults_status=$(lane_rc "$faults_log")
  echo ">> slow group (mcollectived comparison, plugin round trip):"
  cat "$slow_log"
  cat "$slow_log" >>"$log"
  if [ "$slow_status" -ne 0 ]; then status=$slow_status; fi
  echo ">> fuzz group (afl++, short run):"
  cat "$fuzz_log"
  cat "$fuzz_log" >>"$log"
  if [ "$fuzz_status" -ne 0 ] && [ "$status" -eq 0 ]; then status=$fuzz_status; fi
  echo ">> slow group (fault scenarios, $(cat "$faults_log.seconds" 2>/dev/null || echo '?') s):"
  cat "$faults_log"
  cat "$faults_log" >>"$log"
  if [ "$faults_status" -ne 0 ]; then status=$faults_status; fi
  echo ">> slow group (Puppet CA, real puppetserver):"
  cat "$pca_log"
  if [ "${CHORIA_PACKAGING:-1}" != 0 ]; then
    pkg_status=$(lane_rc "$pkg_log")
    echo ">> slow group (packaging: custom build for linux-x64, linux-arm64 and win-x64, rpm and deb, $(cat "$pkg_log.seconds" 2>/dev/null || echo '?') s):"
    cat "$pkg_log"
    cat "$pkg_log" >>"$log"
    if [ "$pkg_status" -ne 0 ]; then status=$pkg_status; fi
  fi
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
