# Shared helpers for build.sh, test.sh and demo.sh. Sourced, not run.

# Install Debian packages that are missing; a no-op when everything is present.
# Arguments are PACKAGE:BINARY pairs; BINARY "-" means "check the package status instead".
ensure_packages() {
  local missing=()
  local pkg bin
  for spec in "$@"; do
    pkg=${spec%%:*}
    bin=${spec#*:}
    if [ "$bin" = "-" ]; then
      dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    else
      command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">> installing missing packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  apt_get $sudo update -qq
  apt_get $sudo install -y -qq "${missing[@]}" >/dev/null
  # The Debian package enables a system service; our broker supervises its own nats-server.
  if [[ " ${missing[*]} " == *" nats-server "* ]] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now nats-server >/dev/null 2>&1 || true
  fi
  # Likewise the tests start their own RabbitMQ and mcollectived on free ports, never the system services.
  for service in rabbitmq-server mcollective; do
    if [[ " ${missing[*]} " == *" $service "* ]] && command -v systemctl >/dev/null 2>&1; then
      $sudo systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
}

# apt-get that waits for another apt or dpkg process (a fresh machine often runs unattended upgrades at
# boot) instead of failing at once: dpkg's lock is waited for by apt itself, the lists lock of "update"
# by retrying here. Gives up after 5 minutes.
# Usage: apt_get [sudo] ARGS...
apt_get() {
  local sudo=""
  if [ "${1:-}" = "sudo" ]; then sudo="sudo"; shift; fi
  local deadline=$((SECONDS + 300)) out rc said=""
  while :; do
    rc=0
    out=$($sudo apt-get -o DPkg::Lock::Timeout=300 "$@" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then
      [ -n "$out" ] && printf '%s\n' "$out"
      return 0
    fi
    if [[ "$out" == *"Could not get lock"* || "$out" == *"Unable to lock"* ]] && [ "$SECONDS" -lt "$deadline" ]; then
      [ -z "$said" ] && echo ">> another apt/dpkg process holds its lock (unattended upgrades?); waiting up to 5 minutes" >&2
      said=1
      sleep 5
      continue
    fi
    printf '%s\n' "$out" >&2
    return "$rc"
  done
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK (dotnet) is required and was not found on PATH" >&2
    exit 1
  fi
}

# A root for qemu-aarch64 -L in which the linux-arm64 Choria binary runs (docs/packaging.md): Debian's arm64 cross C
# libraries (linked in), plus the arm64 OpenSSL that .NET loads at run time for TLS and hashing and that Debian ships
# in no cross package. libssl3:arm64 is fetched by apt into a private state directory under DIR, so the host's dpkg
# architectures and package lists stay as they are. A no-op once DIR has it; returns non-zero with apt's reason when
# the download fails (every step checked: callers use it in "|| ..." where set -e does not apply).
# Usage: arm64_sysroot DIR
arm64_sysroot() {
  local dir=$1
  [ -e "$dir/lib/libssl.so.3" ] && return 0
  ensure_packages libc6-arm64-cross:- libgcc-s1-arm64-cross:- dpkg:dpkg-deb || return 1
  local apt="$dir/apt" cross=/usr/aarch64-linux-gnu/lib
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir/lib" && : >"$apt/status" || return 1
  local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$apt/lists"
    -o Dir::Cache="$apt/cache" -o Dir::State::status="$apt/status" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  echo ">> fetching Debian's libssl3:arm64 for the arm64 root $dir"
  apt_get "${opts[@]}" update -qq || return 1
  (cd "$apt" && apt_get "${opts[@]}" download -qq libssl3:arm64) || return 1
  dpkg-deb -x "$apt"/libssl3_*_arm64.deb "$apt/root" || return 1
  # The loader and libc from the cross packages, by link; OpenSSL copied beside them in the loader's default path.
  ln -sf "$cross"/ld-linux-aarch64.so.1 "$cross"/lib*.so* "$dir/lib/" || return 1
  cp "$apt/root/usr/lib/aarch64-linux-gnu/libcrypto.so.3" "$apt/root/usr/lib/aarch64-linux-gnu/libssl.so.3" "$dir/lib/" || return 1
  rm -rf "$apt"
}
