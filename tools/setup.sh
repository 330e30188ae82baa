#!/usr/bin/env bash
# Installs what Custody needs from Debian 12's packages (when missing) and
# builds it into ./build. Used by tools/demo.sh, tools/test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libsodium-dev libprotobuf-dev protobuf-compiler
          libboost-filesystem-dev catch2 libcli11-dev nlohmann-json3-dev libfuse3-dev fuse3 libcairo2-dev
          libpango1.0-dev fonts-wqy-zenhei poppler-utils e2fsprogs util-linux age zlib1g-dev nwipe time jq libclang-rt-14-dev clang-14 fio procps python3 scdoc dpkg-dev lintian man-db bash-completion zsh libsqlite3-dev sqlite3
          golang-go golang-golang-x-mod-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${CUSTODY_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CUSTODY_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
echo "setup: built $build/tools/custody" >&2
