#!/usr/bin/env bash
# Builds the one `choria` executable into dist/choria (Native AOT; self-contained single file as fallback).
#   ./build.sh [KEY=VALUE ...]   build-time settings (docs/building.md), e.g. ProvisionBrokerURLs=prov:4222
# Settings also come from the file named by CHORIA_BUILD_SETTINGS (KEY=VALUE lines, # comments); arguments win.
# Other targets (the packager, docs/packaging.md, drives these): CHORIA_RID (linux-x64, linux-arm64, win-x64, ...),
# CHORIA_PUBLISH (aot or singlefile; unset: AOT with a single-file fallback), CHORIA_OUT_DIR (default dist).
# Compile-in plugins (docs/plugins.md) come from packager/user_plugins.yaml, or from the list CHORIA_USER_PLUGINS
# names instead (a path relative to where you run this), e.g. the example agents:
#   CHORIA_USER_PLUGINS=examples/agents/user_plugins.yaml ./build.sh
set -euo pipefail
user_list=()
[ -n "${CHORIA_USER_PLUGINS:-}" ] && user_list=("$(realpath -m -- "$CHORIA_USER_PLUGINS")")
cd "$(dirname "$0")"
. scripts/lib.sh
ensure_dotnet
rid=${CHORIA_RID:-linux-x64}
publish=${CHORIA_PUBLISH:-}
out_dir=${CHORIA_OUT_DIR:-dist}
aot_props=()
# Native AOT links with the system C toolchain and zlib; linux-arm64 cross-links with clang/lld against Debian's
# arm64 cross libraries (gcc cannot take clang's --target).
ensure_packages gcc:gcc zlib1g-dev:-
if [ "$rid" = "linux-arm64" ] && [ "$publish" != "singlefile" ]; then
  ensure_packages clang:clang lld:ld.lld libc6-dev-arm64-cross:- libgcc-12-dev-arm64-cross:- llvm:llvm-objcopy
  aot_props=(-p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld -p:ObjCopyName=llvm-objcopy)
fi

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
# Compile-in plugins (docs/plugins.md): validate packager/plugins.yaml and the user list and generate the references
# and the registration code into obj/choria; a bad list stops the build here with the entry it names.
dotnet run --project tools/Choria.PluginGen -c Release -v q -- . obj/choria ${user_list[@]+"${user_list[@]}"}
out=artifacts/publish-$rid
rm -rf "$out"
mkdir -p "$out_dir"

single_file() {
  dotnet publish src/Choria.Cli -c Release -r "$rid" --self-contained -p:ChoriaSingleFile=true \
    -p:PublishSingleFile=true "${props[@]}" -o "$out" -v q -nologo
  mode="self-contained single file"
}
if [ "$publish" = "singlefile" ]; then
  single_file
elif dotnet publish src/Choria.Cli -c Release -r "$rid" -p:PublishAot=true "${aot_props[@]}" "${props[@]}" -o "$out" -v q -nologo; then
  mode="native AOT"
elif [ "$publish" = "aot" ]; then
  echo ">> native AOT publish for $rid failed" >&2
  exit 1
else
  echo ">> native AOT publish failed, falling back to a self-contained single-file build" >&2
  single_file
fi
exe=choria
[[ "$rid" == win-* ]] && exe=choria.exe
cp "$out/$exe" "$out_dir/$exe"
# The Ruby agent shim: the server finds it beside its executable (docs/agents.md).
cp "$out/choria-ruby-shim.rb" "$out_dir/choria-ruby-shim.rb"
echo ">> built $out_dir/$exe for $rid ($mode, $(du -h "$out_dir/$exe" | cut -f1))"
