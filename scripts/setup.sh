#!/usr/bin/env bash
# Installs what Uga needs from the operating system, idempotently.
# Called by scripts/demo.sh and scripts/test.sh; safe to run again (it checks before it installs).
#   - libopenslide0 (whole-slide reading), libvips42 (plain images, pyramidal TIFF), fonts-dejavu-core (text in heatmaps),
#     libsqlite3-0 (the workspace store uses the system SQLite, the one libopenslide already loads)
#   - a libstdc++ with GLIBCXX_3.4.32: TorchSharp-cpu 0.107's native library needs GCC >= 13's runtime.
#     Debian 12 ships 3.4.30, so there we take Debian 13's libstdc++6 from a trixie source pinned low.
#   - npm (Debian's nodejs + npm when no npm is on the PATH): the build installs the workbench's front-end packages
#     (src/Uga.Server/web/package-lock.json) with npm ci.
#   - with --browser (the test command passes it): Debian's chromium for the workbench's end-to-end test (Playwright drives it;
#     no browser is ever downloaded).
#   - with --python-torch (the test command passes it): Debian's python3-torch and python3-onnx, run as /usr/bin/python3 —
#     scripts/onnx-fixture.py exports a foreign PyTorch model to ONNX for the ONNX Runtime backend's tests, and
#     bench/peer_torch.py times the same network in PyTorch beside Uga's backends (uga-bench backends).
#   - with --fuzz (the test command passes it): afl++ for fuzz/run.sh, GNU time for fuzz/corpus.sh, and the SharpFuzz instrumenter
#     (a dotnet local tool, .config/dotnet-tools.json).
set -euo pipefail

APT_PACKAGES=(libopenslide0 libvips42 fonts-dejavu-core libsqlite3-0)
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
FUZZ=0
for arg in "$@"; do
  case "$arg" in
    --fuzz) FUZZ=1; APT_PACKAGES+=(afl++ time) ;;
    --browser) APT_PACKAGES+=(chromium) ;;
    --python-torch) APT_PACKAGES+=(python3-torch python3-onnx) ;;
    *) printf 'uga setup: error: unknown option %s (known: --fuzz, --browser, --python-torch)\n' "$arg" >&2; exit 2 ;;
  esac
done
NEEDED_GLIBCXX=GLIBCXX_3.4.32

say() { printf 'uga setup: %s\n' "$*" >&2; }
die() { printf 'uga setup: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }
os_id() { . /etc/os-release 2>/dev/null && printf '%s %s' "${ID:-unknown}" "${VERSION_ID:-}"; }

libstdcxx_path() {
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*aarch64/ {print $NF; exit}'
}

has_glibcxx() {
  local lib; lib=$(libstdcxx_path)
  [ -n "$lib" ] && grep -aq "$NEEDED_GLIBCXX" "$lib"
}

missing_apt_packages() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
}

install_apt_packages() {
  local missing; mapfile -t missing < <(missing_apt_packages | sed '/^$/d')
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing system libraries: ${missing[*]}; this is not a Debian/Ubuntu system, install OpenSlide and libvips with your package manager"
  is_root || die "missing system libraries: ${missing[*]}; run as root: apt-get install ${missing[*]}"
  apt_update_once
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_newer_libstdcxx() {
  has_glibcxx && return 0
  local os; os=$(os_id)
  case "$os" in
    "debian 12") ;;
    *) die "TorchSharp needs $NEEDED_GLIBCXX (libstdc++ from GCC >= 13) and this system ($os) lacks it; upgrade to Debian 13+ or Ubuntu 24.04+, or install a libstdc++6 from GCC 13 or newer" ;;
  esac
  is_root || die "TorchSharp needs $NEEDED_GLIBCXX; as root run: scripts/setup.sh (it adds a low-priority Debian trixie source and runs apt-get install -t trixie libstdc++6)"
  if [ ! -f /etc/apt/sources.list.d/uga-trixie.sources ]; then
    say "adding Debian trixie source at low pin priority (only libstdc++6 and what it needs come from it)"
    cat > /etc/apt/sources.list.d/uga-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat > /etc/apt/preferences.d/uga-trixie.pref <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    APT_UPDATED=0
  fi
  apt_update_once
  say "installing libstdc++6 from trixie (also upgrades libc6)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie libstdc++6 >/dev/null
  has_glibcxx || die "libstdc++6 from trixie installed but $NEEDED_GLIBCXX is still missing"
}

install_apt_packages
install_newer_libstdcxx
if [ "$FUZZ" -eq 1 ]; then
  (cd "$(dirname "$0")/.." && dotnet tool restore >/dev/null) || die "dotnet tool restore failed (the SharpFuzz instrumenter, .config/dotnet-tools.json)"
fi
say "system ready"
