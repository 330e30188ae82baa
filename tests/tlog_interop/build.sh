#!/bin/bash
# Builds tlog_interop offline against Debian's packaged Go libraries
# (golang-golang-x-mod-dev installs them under /usr/share/gocode): GOPATH
# mode, no module download, a private build cache. Usage: build.sh OUT
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$cache" GOFLAGS= GOPROXY=off \
  go build -o "$out" "$here/main.go"
