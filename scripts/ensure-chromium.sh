#!/usr/bin/env bash
# `npm run setup:chromium`: Debian's Chromium for the browser tests, installed
# only when it is missing, with sudo only when not already root (containers
# and CI run as root without sudo; a normal user has sudo). Used by the
# README's test line and by .ci/run, so both install the same way.
set -euo pipefail

browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  echo "chromium: $("$browser" --version 2>/dev/null || echo "$browser")"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "setup:chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file; fix the path or unset it to use Debian's /usr/bin/chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup:chromium: /usr/bin/chromium is missing and this system has no apt-get; install Chromium yourself and set CHROMIUM_PATH to its binary" >&2
  exit 1
fi

run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup:chromium: installing Chromium needs root, and sudo is not installed; run 'apt-get update && apt-get install -y chromium' as root" >&2
    exit 1
  fi
  run_as_root=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup:chromium: installing Debian's chromium${run_as_root:+ with sudo}"
"${run_as_root[@]}" apt-get update -q
"${run_as_root[@]}" apt-get install -y -q chromium
"$browser" --version
