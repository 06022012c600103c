#!/usr/bin/env bash
# Builds the binaries and rpm/deb packages of one build of packager/buildspec.yaml into dist/packages
# (docs/packaging.md). The 2020 inputs: BUILD (default foss), VERSION (default 0.0.0), PACKAGES (comma list,
# default every package of the build), ARTIFACTS, SHA1, BUILD_CACHE, BINARY_ONLY=1; arguments go to
# choria-packager (--help lists them), e.g. ./package.sh --binary-only.
#   BUILD=foss VERSION=1.2.3 ./package.sh
set -euo pipefail
cd "$(dirname "$0")"
. scripts/lib.sh
ensure_dotnet
# rpmbuild (Debian's rpm), dpkg-deb, and what the linux-arm64 Native AOT cross-link needs (build.sh checks again).
ensure_packages rpm:rpmbuild dpkg:dpkg-deb gcc:gcc zlib1g-dev:- clang:clang lld:ld.lld llvm:llvm-objcopy \
  libc6-dev-arm64-cross:- libgcc-12-dev-arm64-cross:-
export BUILD=${BUILD:-foss} VERSION=${VERSION:-0.0.0} ARTIFACTS=${ARTIFACTS:-$PWD/dist/packages}
exec dotnet run --project tools/Choria.Packager -c Release -v q -- --repo "$PWD" "$@"
