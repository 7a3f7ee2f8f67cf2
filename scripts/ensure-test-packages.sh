#!/usr/bin/env bash
# `npm run setup:test`: the Debian packages the tests need, each installed
# only when it is missing, with sudo only when not already root (containers
# and CI run as root without sudo; a normal user has sudo). Used by the
# README's test line and by .ci/run, so both install the same way.
#   chromium      the browser the UI tests drive (CHROMIUM_PATH: another one)
#   python3-numpy an independent oracle: the PyTorch bench's map reader is
#                 checked against what numpy.save writes
set -euo pipefail

missing=()
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  echo "chromium: $("$browser" --version 2>/dev/null || echo "$browser")"
elif [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "setup:test: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file; fix the path or unset it to use Debian's /usr/bin/chromium" >&2
  exit 1
else
  missing+=(chromium)
fi
if /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then
  echo "numpy: $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')"
else
  missing+=(python3-numpy)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup:test: ${missing[*]} missing and this system has no apt-get; install them yourself (CHROMIUM_PATH can point at another Chromium)" >&2
  exit 1
fi
run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup:test: installing ${missing[*]} needs root, and sudo is not installed; run 'apt-get update && apt-get install -y ${missing[*]}' as root" >&2
    exit 1
  fi
  run_as_root=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
echo "setup:test: installing Debian's ${missing[*]}${run_as_root:+ with sudo}"
"${run_as_root[@]}" apt-get update -q
"${run_as_root[@]}" apt-get install -y -q "${missing[@]}"
"$browser" --version
/usr/bin/python3 -c 'import numpy; print("numpy", numpy.__version__)'
