#!/usr/bin/env bash
# fastpath bootstrap: makes a fresh Debian/Ubuntu machine ready to build, test and run
# everything. Idempotent: a second run changes nothing and says so. Run as root.
#
#   bash scripts/bootstrap.sh [--hugepages N] [--skip-apt] [--skip-build] [--help]
#
# Debian packages: the base list below plus every apps/*/, libs/*/, native/*/, e2e/*/
# apt-packages.txt (one package per line, '#' comments).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HUGEPAGES=${FASTPATH_HUGEPAGES:-256}
SKIP_APT=0
SKIP_BUILD=0
CHANGES=0

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'USAGE'

Options:
  --hugepages N   2 MiB hugepages to reserve (default 256, or $FASTPATH_HUGEPAGES); 0 = leave as is
  --skip-apt      do not install Debian packages
  --skip-build    do not build native libraries and eBPF programs
  -h, --help      this text
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --hugepages) HUGEPAGES=${2:?--hugepages needs a number}; shift 2 ;;
    --hugepages=*) HUGEPAGES=${1#*=}; shift ;;
    --skip-apt) SKIP_APT=1; shift ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bootstrap: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B='' N=''; fi
say() { printf '%sbootstrap:%s %s\n' "$B" "$N" "$*"; }
die() { printf 'bootstrap: error: %s\n' "$*" >&2; exit 1; }
changed() { CHANGES=$((CHANGES + 1)); say "$*"; }

# --- preconditions -------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages, mounts bpffs/hugetlbfs and loads eBPF programs): sudo bash scripts/bootstrap.sh"
[[ "$HUGEPAGES" =~ ^[0-9]+$ ]] || die "--hugepages takes a whole number, got '$HUGEPAGES'"
command -v node >/dev/null || die "Node.js 20 or newer is required (apt-get install nodejs, or nodesource); none found"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $node_major found; fastpath needs Node.js 20 or newer"
kernel=$(uname -r)
kmajor=${kernel%%.*}; kminor=${kernel#*.}; kminor=${kminor%%.*}
if [ "$kmajor" -lt 5 ] || { [ "$kmajor" -eq 5 ] && [ "$kminor" -lt 10 ]; }; then
  die "kernel $kernel is too old: SPROXY needs sk_msg + sockmap with BTF (Linux ≥ 5.10); use Debian 12 or Ubuntu 22.04+"
fi

# --- Debian packages -----------------------------------------------------------------
BASE_PACKAGES=(
  build-essential pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  iproute2 iptables ipset ethtool iputils-ping iperf3 wrk nginx apache2-utils
  linux-perf procps psmisc kmod util-linux
)
wanted_packages() {
  printf '%s\n' "${BASE_PACKAGES[@]}"
  find "$ROOT/apps" "$ROOT/libs" "$ROOT/native" "$ROOT/e2e" "$ROOT/infra" -maxdepth 3 -name apt-packages.txt \
    -not -path '*/node_modules/*' -exec cat {} + 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n'
}
if [ "$SKIP_APT" -eq 0 ]; then
  command -v apt-get >/dev/null || die "apt-get not found: bootstrap supports Debian 12 and Ubuntu 22.04+ (or install the packages in scripts/bootstrap.sh and apt-packages.txt by hand and use --skip-apt)"
  mapfile -t wanted < <(wanted_packages | sed '/^$/d' | sort -u)
  missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${#missing[@]} Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    changed "installed: ${missing[*]}"
  else
    say "Debian packages: all ${#wanted[@]} present"
  fi
fi

# --- pnpm (pinned in package.json) and node_modules ----------------------------------
pnpm_want=$(node -p "require('$ROOT/package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_want" ]; then
  npm install -g --silent "pnpm@$pnpm_want" >/dev/null
  changed "installed pnpm $pnpm_want"
else
  say "pnpm $pnpm_want present"
fi
cd "$ROOT"
if [ -f node_modules/.modules.yaml ] && [ node_modules/.modules.yaml -nt pnpm-lock.yaml ] && [ node_modules/.modules.yaml -nt package.json ]; then
  say "node_modules up to date with pnpm-lock.yaml"
else
  pnpm install --frozen-lockfile --reporter=silent
  changed "installed node_modules from pnpm-lock.yaml"
fi

# --- kernel file systems: bpffs and hugetlbfs ----------------------------------------
if ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf
  changed "mounted bpffs at /sys/fs/bpf"
fi
if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
  mkdir -p /dev/hugepages
  if mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null; then
    changed "mounted hugetlbfs at /dev/hugepages"
  else
    say "warning: could not mount hugetlbfs; shared memory falls back to /dev/shm"
  fi
fi
nr=/proc/sys/vm/nr_hugepages
if [ "$HUGEPAGES" -gt 0 ] && [ -w "$nr" ]; then
  have=$(cat "$nr")
  if [ "$have" -lt "$HUGEPAGES" ]; then
    echo "$HUGEPAGES" > "$nr" 2>/dev/null || true
    got=$(cat "$nr")
    if [ "$got" -gt "$have" ]; then changed "reserved 2 MiB hugepages: $have -> $got"; fi
    [ "$got" -ge "$HUGEPAGES" ] || say "warning: asked for $HUGEPAGES hugepages, the kernel gave $got (memory fragmented?); libs fall back to /dev/shm when the pool runs out"
  fi
fi

# --- build native libraries and eBPF programs ----------------------------------------
if [ "$SKIP_BUILD" -eq 0 ]; then
  export NX_DAEMON=false NX_NO_CLOUD=true
  pnpm exec nx run-many -t build --outputStyle=static >/tmp/fastpath-build.log 2>&1 \
    || { tail -40 /tmp/fastpath-build.log >&2; die "build failed (full log: /tmp/fastpath-build.log)"; }
  say "native libraries and eBPF programs built (dist/native, dist/bpf)"
fi

# --- what this machine can do ----------------------------------------------------------
node --import tsx infra/local/src/doctor.ts
if [ "$CHANGES" -eq 0 ]; then
  say "done: nothing to change, the machine was already set up"
else
  say "done: $CHANGES change(s) made"
fi
