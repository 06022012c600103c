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
