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
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  # The Debian package enables a system service; our broker supervises its own nats-server.
  if [[ " ${missing[*]} " == *" nats-server "* ]] && command -v systemctl >/dev/null 2>&1; then
    $sudo systemctl disable --now nats-server >/dev/null 2>&1 || true
  fi
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK (dotnet) is required and was not found on PATH" >&2
    exit 1
  fi
}
