#!/usr/bin/env bash
# Check (and, as root with apt-get, install) the Debian packages smile-viewer needs for Qt
# and OpenGL: a virtual X server (Xvfb) with Mesa for headless use and tests, and the xcb
# libraries Qt 6's xcb platform plugin loads. List kept in step with README.md and docs/architecture.md.
set -euo pipefail

PACKAGES=(
  xvfb xauth libgl1 libegl1 libegl-mesa0 libgl1-mesa-dri libglx-mesa0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1
  libxcb-shm0 libxcb-glx0 libx11-xcb1 libfontconfig1 libdbus-1-3 libglib2.0-0
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure Xvfb, Mesa (OpenGL/EGL) and the Qt xcb" \
       "libraries are installed. Continuing." >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "system-deps: done"
else
  echo "system-deps: these system packages are missing: ${missing[*]}" >&2
  echo "system-deps: install them with:" >&2
  echo "    sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  echo "system-deps: continuing; the window and the GL tests need them (GL tests will be skipped)." >&2
fi
