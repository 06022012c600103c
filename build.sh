#!/usr/bin/env bash
# Builds the one `choria` executable into dist/choria (Native AOT; self-contained single file as fallback).
#   ./build.sh [KEY=VALUE ...]   build-time settings (docs/building.md), e.g. ProvisionBrokerURLs=prov:4222
# Settings also come from the file named by CHORIA_BUILD_SETTINGS (KEY=VALUE lines, # comments); arguments win.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/lib.sh
ensure_dotnet
# Native AOT links with the system C toolchain and zlib.
ensure_packages gcc:gcc zlib1g-dev:-

sha=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(date -u '+%Y-%m-%d %H:%M:%S +0000')
settings=("SHA=$sha" "BuildDate=$date")
if [ -n "${CHORIA_BUILD_SETTINGS:-}" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    [[ -z "${line// }" || "$line" =~ ^[[:space:]]*# ]] && continue
    settings+=("$line")
  done <"$CHORIA_BUILD_SETTINGS"
fi
settings+=("$@")
mkdir -p artifacts
settings_file=$PWD/artifacts/BuildDefaults.g.cs
scripts/build-settings.sh "${settings[@]}" >"$settings_file"
props=(-p:ChoriaBuildSettingsFile="$settings_file")
# Compile-in plugins (docs/plugins.md): validate packager/*plugins.yaml and generate the references and the
# registration code into obj/choria; a bad list stops the build here with the entry it names.
dotnet run --project tools/Choria.PluginGen -c Release -v q -- . obj/choria
out=artifacts/publish
rm -rf "$out"
mkdir -p dist

if dotnet publish src/Choria.Cli -c Release -r linux-x64 -p:PublishAot=true "${props[@]}" -o "$out" -v q -nologo; then
  mode="native AOT"
else
  echo ">> native AOT publish failed, falling back to a self-contained single-file build" >&2
  dotnet publish src/Choria.Cli -c Release -r linux-x64 --self-contained -p:ChoriaSingleFile=true \
    -p:PublishSingleFile=true "${props[@]}" -o "$out" -v q -nologo
  mode="self-contained single file"
fi
cp "$out/choria" dist/choria
# The Ruby agent shim: the server finds it beside its executable (docs/agents.md).
cp "$out/choria-ruby-shim.rb" dist/choria-ruby-shim.rb
echo ">> built dist/choria ($mode, $(du -h dist/choria | cut -f1))"
