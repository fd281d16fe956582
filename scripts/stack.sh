#!/usr/bin/env bash
# scripts/stack.sh — the real Docker test stack for multiarch.
#
#   scripts/stack.sh up [--rebuild] [--engines all|default|NAME,...]
#                        install (if needed) and start: QEMU binfmt handlers, the default
#                        engine (containerd + dockerd, containerd image store), a local
#                        registry on 127.0.0.1:5000, multi-arch base images (busybox:1.35,
#                        golang:1.19, python:3.11-slim, node:18-slim) built from Debian
#                        packages (node's npm from its registry tarball) and pushed to it,
#                        and (unless --engines default) the two extra engines.
#   scripts/stack.sh down             stop what `up` started (by pid file)
#   scripts/stack.sh status           report each piece; exit non-zero if any is not up
#   scripts/stack.sh env ENGINE       print KEY=VALUE lines that select ENGINE for `docker`,
#                                     e.g. `export $(scripts/stack.sh env docker28-classic)`
#
# Engines (all on unix sockets, all with `iptables: false`):
#   docker28-containerd  Debian forky's docker.io/docker-cli 28.5, buildx 0.29, containerd 2.1,
#                        containerd image store; /var/run/docker.sock (the default). Its
#                        default network is the bridge `multiarch0` (198.51.100.1/24), which this
#                        script creates: containers get a network namespace, and nothing they
#                        send leaves the machine (no NAT, forwarding off on the bridge). BuildKit
#                        runs SBOM generators (`--sbom generator=…`) on it.
#   docker28-classic     the same dockerd, classic image store (overlay2), sharing containerd
#                        in its own namespace; unix:///run/multiarch-stack/docker-classic.sock
#   docker26-containerd  trixie's docker.io/docker-cli 26.1, buildx 0.13.1 and containerd 1.7,
#                        extracted under /opt/multiarch-stack/docker26 (own containerd),
#                        containerd image store; unix:///run/multiarch-stack/docker26.sock
# The two extra engines keep `bridge: none`. `up` restarts a running dockerd of ours whose
# config file changed since it started.
#
# The daemons never inherit the caller's open files: `flock LOCK scripts/stack.sh up` does not
# leave them holding LOCK (`status` checks $STACK_LOCK, default /tmp/multiarch-docker.lock).
#
# Everything listens on loopback or unix sockets only. Nothing is pulled from Docker Hub: the
# base images are assembled from Debian .deb files (apt) and imported with `docker import`.
# Builds use them through buildx named contexts, e.g.
#   --build-context golang:1.19=docker-image://localhost:5000/library/golang:1.19
#
# Environment overrides: DOCKER (client binary for the docker28 engines),
# STACK_REGISTRY_PORT (default 5000), STACK_LOCK (the shared lock file `status` checks).
set -euo pipefail

STATE_DIR=/var/lib/multiarch-stack
LOG_DIR=/var/log/multiarch-stack
RUN_DIR=/run/multiarch-stack
CACHE_DIR=/var/cache/multiarch-stack
REGISTRY_PORT=${STACK_REGISTRY_PORT:-5000}
REGISTRY_ADDR=127.0.0.1:${REGISTRY_PORT}
REGISTRY=localhost:${REGISTRY_PORT}
REGISTRY_URL=http://${REGISTRY_ADDR}
ARCHES=(amd64 arm64)
# The lock everyone takes around Docker work (flock); no daemon of ours may hold it.
STACK_LOCK=${STACK_LOCK:-/tmp/multiarch-docker.lock}
# The default engine's bridge. Its subnet is TEST-NET-3 (RFC 5737): reserved for documentation,
# so it is neither routed on the internet nor a private range (RFC 1918) that a LAN, VPN or cloud
# network near this machine could be using; a packet addressed to it can only mean this bridge.
# (Not TEST-NET-1, 192.0.2.0/24: some sandboxes put eth0 there; not TEST-NET-3, 203.0.113.0/24:
# this machine's egress proxy, through which registry.npmjs.org and deb.debian.org resolve, lives
# there, and a bridge on it cut the machine off from both. `up` refuses a subnet that holds the
# default gateway or an address those hosts resolve to.) Nothing a container sends goes
# further than this machine: dockerd adds no NAT (iptables/ip-masq off) and sets no forwarding,
# and the bridge's own forwarding switch is off, which makes the kernel answer "host unreachable"
# for any other destination even where net.ipv4.ip_forward is 1. IPv6 is off on it.
BRIDGE=multiarch0
BRIDGE_CIDR=198.51.100.1/24
BRIDGE_SUBNET=198.51.100.0/24
# Hosts this machine must keep reaching through its default route (apt, npm).
BRIDGE_MUST_NOT_HOLD=(registry.npmjs.org deb.debian.org)
ENGINES=(docker28-containerd docker28-classic docker26-containerd)
DEFAULT_ENGINE=docker28-containerd
# Debian forky's engine packages for the default engine (apt pin 100: only these come from
# forky; libc6, runc, iptables stay bookworm's).
FORKY_PKGS=(docker.io docker-cli docker-buildx containerd tini-static)
# docker26-containerd: trixie's packages, downloaded and extracted (not installed: they share
# their names with forky's).
D26_PKGS=(docker.io docker-cli docker-buildx containerd)
D26_DIR=/opt/multiarch-stack/docker26
D26_CLIENT_BIN=$D26_DIR/client/bin
D26_CONFIG=$D26_DIR/config
# name:tag of every base image, in build order
IMAGES=(busybox:1.35 golang:1.19 python:3.11-slim node:18-slim)
# npm for the node image, from the npm registry: it bundles its dependencies (all JavaScript),
# where Debian's npm package pulls in some 480 node-* packages. 10.x still supports Node 18.
NPM_VERSION=10.9.9
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
# Packages never pulled into a base image rootfs (maintainer-script machinery).
EXCLUDED_DEPS=" dpkg install-info debconf debconf-2.0 perl-base libc-bin debianutils base-files adduser passwd init-system-helpers lsb-base sensible-utils "
export DEBIAN_FRONTEND=noninteractive

log() { printf '[stack %3ds] %s\n' "$SECONDS" "$*" >&2; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------- helpers

# Prefer the Debian client (/usr/bin/docker, from docker-cli) that matches the daemon;
# fall back to whatever `docker` is on PATH. /usr/local/bin/docker comes first on PATH
# on some machines; both find the buildx plugin in /usr/libexec/docker/cli-plugins.
pick_docker() {
  if [[ -n "${DOCKER:-}" ]]; then return 0; fi
  if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker
  elif command -v docker >/dev/null 2>&1; then DOCKER=$(command -v docker)
  else DOCKER=""; fi
}

is_engine() { [[ " ${ENGINES[*]} " == *" $1 "* ]]; }
engine_sock() { # ENGINE — the daemon's unix socket
  case $1 in
  docker28-containerd) echo /var/run/docker.sock ;;
  docker28-classic) echo "$RUN_DIR/docker-classic.sock" ;;
  docker26-containerd) echo "$RUN_DIR/docker26.sock" ;;
  *) die "unknown engine '$1' (one of: ${ENGINES[*]})" ;;
  esac
}
engine_pidname() { # ENGINE — name of the pid/log files of its dockerd under RUN_DIR/LOG_DIR
  case $1 in
  docker28-containerd) echo dockerd ;; # (the name earlier versions of this script used)
  docker28-classic) echo dockerd-classic ;;
  docker26-containerd) echo dockerd-docker26 ;;
  *) die "unknown engine '$1'" ;;
  esac
}
# edocker ENGINE ARGS... — run the docker client that goes with ENGINE, against ENGINE.
# DOCKER_HOST wins over DOCKER_CONTEXT in the CLI, so the engine is always the one named.
# The docker28 engines drop DOCKER_CONFIG: a shell that evaluated `env docker26-containerd`
# would otherwise hand them buildx 0.13.1 from $DOCKER_CONFIG/cli-plugins.
edocker() {
  local e=$1
  shift
  case $e in
  docker26-containerd)
    DOCKER_HOST="unix://$(engine_sock "$e")" DOCKER_CONFIG="$D26_CONFIG" "$D26_CLIENT_BIN/docker" "$@" ;;
  *)
    [[ -n "${DOCKER:-}" ]] || return 127
    env -u DOCKER_CONFIG DOCKER_HOST="unix://$(engine_sock "$e")" "$DOCKER" "$@" ;;
  esac
}
docker_() { edocker "$DEFAULT_ENGINE" "$@"; }
engine_answers() { # ENGINE — `docker info` and `docker buildx version` both work
  local v
  v=$(edocker "$1" info -f '{{.ServerVersion}}' 2>/dev/null) && [[ -n "$v" ]] &&
    edocker "$1" buildx version >/dev/null 2>&1
}
engine_ok() { engine_answers "$DEFAULT_ENGINE"; }
can_install() {
  [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1 && [[ -r /etc/debian_version ]]
}
# write_file PATH CONTENT — writes only when the content differs; returns 0 if it wrote.
write_file() {
  local path=$1 content=$2
  if [[ -f "$path" ]] && [[ "$(cat "$path")" == "$content" ]]; then return 1; fi
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$content" >"$path"
  log "wrote $path"
}
# running PID — the process exists and is not a zombie: PID 1 on some machines reaps
# orphans only every few seconds, and `kill -0` succeeds on a zombie.
running() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ "${st%% *}" != Z ]]
}
pid_alive() { # pidfile [expected-comm]
  local f=$1 pid
  [[ -f "$f" ]] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && running "$pid" || return 1
  if [[ -n "${2:-}" ]]; then
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2"* ]] || return 1
  fi
}
# close_inherited_fds — close every fd above 2 of this (sub)shell. (The glob's own directory fd
# is gone by the time the loop runs; closing an fd that is not open is not an error.)
close_inherited_fds() {
  local f fd
  for f in /proc/self/fd/*; do
    fd=${f##*/}
    if ((fd > 2)); then exec {fd}>&-; fi
  done
}
# start_bg NAME COMM CMD... — start a daemon detached, logs and pid file under our dirs.
start_bg() {
  local name=$1 comm=$2; shift 2
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  if pid_alive "$RUN_DIR/$name.pid" "$comm"; then
    log "$name already running (pid $(cat "$RUN_DIR/$name.pid"))"
    return 0
  fi
  printf '\n==== %s: starting %s\n' "$(date -Is)" "$*" >>"$LOG_DIR/$name.log"
  (
    # Only stdin, stdout and stderr go to the daemon: any other fd the caller left open (the
    # lock of `flock LOCK scripts/stack.sh up`, a pipe) would stay open, and a lock held, for
    # as long as the daemon runs.
    close_inherited_fds
    exec nohup setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$RUN_DIR/$name.pid"
  log "started $name (pid $!), log $LOG_DIR/$name.log"
}
stop_bg() { # NAME COMM
  local name=$1 comm=$2 f="$RUN_DIR/$1.pid" pid i
  if ! pid_alive "$f" "$comm"; then
    log "$name: not running (no live pid file)"
    rm -f "$f"
    return 0
  fi
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    running "$pid" || break
    sleep 0.25
  done
  if running "$pid"; then
    warn "$name (pid $pid) did not stop after 30 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
  log "stopped $name (pid $pid)"
}
wait_for() { # SECONDS CMD... — true once CMD succeeds, false after SECONDS
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

# --------------------------------------------------------------------------- packages

# ensure_apt_source RELEASE — Debian RELEASE, pinned low (100): nothing is installed or
# upgraded from it unless asked for by name as NAME/RELEASE. Returns 0 if it wrote a file.
ensure_apt_source() {
  local rel=$1 arch wrote=1
  arch=$(dpkg --print-architecture)
  write_file "/etc/apt/sources.list.d/$rel.sources" "Types: deb
URIs: http://deb.debian.org/debian
Suites: $rel
Components: main
Architectures: ${arch}
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" && wrote=0
  write_file "/etc/apt/preferences.d/multiarch-$rel" "Package: *
Pin: release n=$rel
Pin-Priority: 100" && wrote=0
  return $wrote
}
# apt_knows PKG RELEASE — apt's lists have PKG in RELEASE (false before `apt-get update`)
# (output captured first: `grep -q` quitting early would fail the pipe under pipefail)
apt_knows() {
  local out
  out=$(apt-cache madison "$1" 2>/dev/null) || return 1
  [[ "$out" == *" $2/"* ]]
}
# ensure_release_lists RELEASE — its source and pin written, and its lists fetched.
ensure_release_lists() {
  local rel=$1
  if ensure_apt_source "$rel" || ! apt_knows docker.io "$rel"; then
    apt-get update -q || die "apt-get update failed"
    apt_knows docker.io "$rel" || die "apt has no Debian $rel lists after apt-get update"
  fi
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
pkg_version() { pkg_installed "$1" && dpkg-query -W -f='${Version}' "$1"; }
pkg_at_least() { # NAME VERSION
  local v
  v=$(pkg_version "$1") && dpkg --compare-versions "$v" ge "$2"
}

# apt_install SPEC... (SPEC is name or name/release) — always runs apt-get install.
apt_install() {
  local spec rel created_policy=0 rc=0
  can_install || die "cannot install $* : need root on Debian with apt-get"
  for spec in "$@"; do
    [[ "$spec" == */* ]] || continue
    rel=${spec#*/}
    ensure_apt_source "$rel" || true
  done
  log "installing: $*"
  # No init system here: keep package maintainer scripts from starting services
  # (docker, docker-registry); this script starts what it needs itself.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -q || rc=$?
  if ((rc == 0)); then
    # confold/confdef: an upgrade (trixie -> forky) never stops at a conffile prompt
    apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" || rc=$?
  fi
  if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  ((rc == 0)) || die "apt-get failed (exit $rc) installing: $*"
}

# install_packages SPEC... (SPEC is name or name/release); installs only the missing ones.
install_packages() {
  local spec missing=()
  for spec in "$@"; do
    pkg_installed "${spec%%/*}" || missing+=("$spec")
  done
  ((${#missing[@]})) || return 0
  can_install || die "missing packages (${missing[*]}) and cannot install them: need root on Debian with apt-get"
  apt_install "${missing[@]}"
}

# --------------------------------------------------------------------------- binfmt

setup_binfmt() {
  if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
      die "cannot mount binfmt_misc on /proc/sys/fs/binfmt_misc"
    log "mounted binfmt_misc"
  fi
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || ! head -n1 /proc/sys/fs/binfmt_misc/qemu-aarch64 | grep -qx enabled; then
    command -v update-binfmts >/dev/null 2>&1 || die "update-binfmts not found (package binfmt-support)"
    update-binfmts --enable >/dev/null 2>&1 || true
  fi
  check_binfmt || die "binfmt handler qemu-aarch64 is not registered/enabled (see /proc/sys/fs/binfmt_misc)"
}
check_binfmt() {
  local f=/proc/sys/fs/binfmt_misc/qemu-aarch64
  [[ -e "$f" ]] && head -n1 "$f" | grep -qx enabled || return 1
  # F (fix-binary): the kernel opens the interpreter at registration time, so it works
  # inside containers whose rootfs has no qemu binary.
  grep -q '^flags:.*F' "$f" || { warn "$f lacks the F flag: emulation inside containers will fail"; return 1; }
}

# --------------------------------------------------------------------------- engines

# The default engine runs Debian forky's packages (docker 28.5, buildx 0.29, containerd 2.1):
# the generation GitHub-hosted runners have (Docker 28+, buildx 0.2x). An earlier version of
# this script installed trixie's (docker 26, buildx 0.13): that counts as not OK here, and
# `up` upgrades it.
forky_packages_ok() {
  pkg_at_least docker.io 28 && pkg_at_least docker-cli 28 && pkg_at_least docker-buildx 0.20 &&
    pkg_at_least containerd 2 && pkg_installed tini-static
}

ensure_default_packages() {
  local specs=() p
  if ! forky_packages_ok; then
    if [[ -n "$(pkg_version docker.io || true)" ]]; then
      log "docker.io $(pkg_version docker.io) installed: moving to Debian forky's packages"
    fi
    # Daemons of ours still running the binaries about to be replaced would keep running the
    # old version (and `up` would reuse them): stop them first.
    stop_bg "$(engine_pidname docker28-classic)" dockerd
    stop_bg "$(engine_pidname docker28-containerd)" dockerd
    stop_bg containerd containerd
    for p in "${FORKY_PKGS[@]}"; do specs+=("$p/forky"); done
  fi
  for p in qemu-user-static binfmt-support docker-registry ca-certificates curl; do
    pkg_installed "$p" || specs+=("$p")
  done
  ((${#specs[@]})) || return 0
  apt_install "${specs[@]}"
  forky_packages_ok || die "after apt-get install, these are not forky's: $(for p in "${FORKY_PKGS[@]}"; do printf '%s=%s ' "$p" "$(pkg_version "$p" || echo none)"; done)"
}

# The default engine's config: the containerd image store, and its default network on our
# bridge with no iptables rules (so no NAT, ip6tables included) and no forwarding switched on.
DEFAULT_DAEMON_JSON='{"features":{"containerd-snapshotter":true},"bridge":"'$BRIDGE'","iptables":false,"ip6tables":false,"ip-forward":false,"ip-masq":false}'
write_daemon_json() {
  local f=/etc/docker/daemon.json
  local want=$DEFAULT_DAEMON_JSON
  if [[ -f "$f" ]] && ! grep -q containerd-snapshotter "$f"; then cp "$f" "$f.bak-multiarch-stack"; fi
  write_file "$f" "$want" || true
}

# sysctl_set KEY VALUE — KEY as a path under /proc/sys (net/ipv4/conf/…), written if it differs.
sysctl_set() {
  local f=/proc/sys/$1
  [[ "$(cat "$f" 2>/dev/null)" == "$2" ]] && return 0
  echo "$2" >"$f" 2>/dev/null || die "cannot set $f to $2 (need root and a writable /proc/sys)"
}
# ensure_bridge — BRIDGE exists, is up, has exactly BRIDGE_CIDR, forwarding off, IPv6 off.
# Idempotent. Sets BRIDGE_CREATED=1 when it had to create it (a dockerd started before then
# has no bridge network to attach containers to).
BRIDGE_CREATED=0
ensure_bridge() {
  local other
  command -v ip >/dev/null 2>&1 || install_packages iproute2
  # The subnet must mean this bridge only: refuse it if another interface has an address in it.
  other=$(ip -4 -o addr show to "$BRIDGE_SUBNET" | awk -v b="$BRIDGE" '$2 != b {print $2}' | sort -u | paste -sd' ' -)
  [[ -z "$other" ]] || die "$BRIDGE_SUBNET (for bridge $BRIDGE) is already used by: $other"
  local prefix=${BRIDGE_SUBNET%.*} host addr
  for host in "${BRIDGE_MUST_NOT_HOLD[@]}" "default gateway"; do
    if [[ "$host" == "default gateway" ]]; then addr=$(ip -4 route show default | awk '{print $3; exit}')
    else addr=$(getent ahostsv4 "$host" 2>/dev/null | awk '{print $1; exit}'); fi
    [[ -z "$addr" || "${addr%.*}" != "$prefix" ]] || die "$BRIDGE_SUBNET (for bridge $BRIDGE) holds $addr ($host): a bridge there would cut this machine off from it; set BRIDGE_CIDR/BRIDGE_SUBNET in scripts/stack.sh to a free /24"
  done
  if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE (ip link add … type bridge; needs CAP_NET_ADMIN)"
    BRIDGE_CREATED=1
    log "created bridge $BRIDGE"
  fi
  [[ -d "/sys/class/net/$BRIDGE/bridge" ]] || die "$BRIDGE exists and is not a bridge"
  # before the address and `up`: not a packet is forwarded from it, not one IPv6 address made
  sysctl_set "net/ipv4/conf/$BRIDGE/forwarding" 0
  sysctl_set "net/ipv6/conf/$BRIDGE/disable_ipv6" 1
  if [[ "$(bridge_addrs)" != "$BRIDGE_CIDR" ]]; then
    ip -4 addr flush dev "$BRIDGE"
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE" || die "cannot put $BRIDGE_CIDR on $BRIDGE"
    # a dockerd started before keeps the old subnet for its bridge network: restart it too
    BRIDGE_CREATED=1
    log "$BRIDGE: address $BRIDGE_CIDR"
  fi
  ip link set dev "$BRIDGE" up || die "cannot set $BRIDGE up"
}
bridge_addrs() { ip -4 -o addr show dev "$BRIDGE" 2>/dev/null | awk '{print $4}' | paste -sd' ' -; }
# bridge_problem — empty when BRIDGE is as ensure_bridge leaves it and the default engine's
# `bridge` network is on it; otherwise what is wrong.
bridge_problem() {
  local net
  [[ -d "/sys/class/net/$BRIDGE/bridge" ]] || { echo "no bridge $BRIDGE"; return; }
  [[ " $(ip -o link show dev "$BRIDGE") " == *"<"*UP*">"* ]] || { echo "$BRIDGE is down"; return; }
  [[ "$(bridge_addrs)" == "$BRIDGE_CIDR" ]] || { echo "$BRIDGE has address(es) '$(bridge_addrs)', not $BRIDGE_CIDR"; return; }
  [[ "$(cat "/proc/sys/net/ipv4/conf/$BRIDGE/forwarding")" == 0 ]] || { echo "forwarding is on for $BRIDGE"; return; }
  [[ "$(cat "/proc/sys/net/ipv6/conf/$BRIDGE/disable_ipv6")" == 1 ]] || { echo "IPv6 is on for $BRIDGE"; return; }
  local host addr
  for host in "${BRIDGE_MUST_NOT_HOLD[@]}"; do
    addr=$(getent ahostsv4 "$host" 2>/dev/null | awk '{print $1; exit}')
    [[ -z "$addr" ]] || ! ip -4 route get "$addr" 2>/dev/null | grep -q " dev $BRIDGE " || { echo "$host ($addr) is routed to $BRIDGE: the machine cannot reach it"; return; }
  done
  net=$(docker_ network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' 2>&1) ||
    { echo "the default engine has no bridge network ($net)"; return; }
  [[ "$net" == "$BRIDGE $BRIDGE_SUBNET" ]] || echo "the default engine's bridge network is '$net', not '$BRIDGE $BRIDGE_SUBNET'"
}

# daemons_holding_lock — "NAME pid PID fd N" for each daemon of ours with STACK_LOCK open.
daemons_holding_lock() {
  local f name pid fd
  for f in "$RUN_DIR"/*.pid; do
    [[ -f "$f" ]] || continue
    name=${f##*/}
    name=${name%.pid}
    pid=$(cat "$f" 2>/dev/null) || continue
    if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! running "$pid"; then continue; fi
    for fd in "/proc/$pid/fd/"*; do
      [[ "$(readlink "$fd" 2>/dev/null)" == "$STACK_LOCK" ]] && echo "$name pid $pid fd ${fd##*/}"
    done
  done
  return 0
}

# config_newer_than PID FILE — FILE was written after process PID started (to the second).
config_newer_than() {
  local started written
  started=$(date -d "$(ps -o lstart= -p "$1")" +%s 2>/dev/null) || return 1
  written=$(stat -c %Y "$2" 2>/dev/null) || return 1
  ((written > started))
}

# start_containerd NAME SOCKET CMD... — start CMD (a containerd) unless SOCKET answers.
start_containerd() {
  local name=$1 sock=$2
  shift 2
  containerd_ok() { ctr --address "$1" version >/dev/null 2>&1; }
  if containerd_ok "$sock"; then
    log "$name already answering on $sock"
    return 0
  fi
  # a socket left by a killed containerd would make the wait below pass too early
  if [[ -S "$sock" ]] && ! pid_alive "$RUN_DIR/$name.pid" containerd; then rm -f "$sock"; fi
  start_bg "$name" containerd "$@"
  if ! wait_for 30 containerd_ok "$sock"; then
    tail -n 40 "$LOG_DIR/$name.log" >&2 || true
    die "$name did not come up on $sock (log: $LOG_DIR/$name.log)"
  fi
}

# engine_probe ENGINE — one `docker info` call; sets E_VERSION, E_DRIVER, E_STORE
# ("containerd": containerd image store, "classic": graphdriver). False if it does not answer.
# (The 26.1 CLI's `docker info -f` exits 0 with empty server fields when the daemon does not
# answer: an empty ServerVersion is the test.)
engine_probe() {
  local out dstat
  out=$(edocker "$1" info -f '{{.ServerVersion}}|{{.Driver}}|{{json .DriverStatus}}' 2>/dev/null) || return 1
  IFS='|' read -r E_VERSION E_DRIVER dstat <<<"$out"
  [[ -n "$E_VERSION" ]] || return 1
  if [[ "$dstat" == *io.containerd.snapshotter* ]]; then E_STORE=containerd; else E_STORE=classic; fi
}

# start_dockerd ENGINE CONF CMD... — start CMD (a dockerd, reading CONF) for ENGINE unless it
# runs with CONF as it is now (one of ours started before CONF last changed is restarted), wait
# for `docker info`, check `docker buildx version` with the engine's client; sets E_* as
# engine_probe does, and E_BUILDX.
start_dockerd() {
  local e=$1 conf=$2 name i ok=0
  shift 2
  name=$(engine_pidname "$e")
  if pid_alive "$RUN_DIR/$name.pid" dockerd && config_newer_than "$(cat "$RUN_DIR/$name.pid")" "$conf"; then
    log "$e: $conf changed since its dockerd started: restarting it"
    stop_bg "$name" dockerd
  fi
  start_bg "$name" dockerd "$@"
  for ((i = 0; i < 120; i++)); do
    if engine_probe "$e"; then ok=1; break; fi
    pid_alive "$RUN_DIR/$name.pid" dockerd || break # died: no point in waiting
    sleep 0.5
  done
  if ((ok == 0)); then
    echo "---- tail of $LOG_DIR/$name.log" >&2
    tail -n 40 "$LOG_DIR/$name.log" >&2 || true
    die "$e did not answer 'docker info' on $(engine_sock "$e") within 60 s (log: $LOG_DIR/$name.log)"
  fi
  E_BUILDX=$(edocker "$e" buildx version 2>/dev/null | cut -d' ' -f2) ||
    die "$e: 'docker buildx version' fails with its client (no buildx plugin in \$DOCKER_CONFIG/cli-plugins or /usr/libexec/docker/cli-plugins?)"
  log "$e up: server $E_VERSION, buildx $E_BUILDX, $E_STORE image store, driver $E_DRIVER"
}

# docker28-containerd: /var/run/docker.sock, the system containerd (forky's 2.1) in namespace
# "moby", /etc/docker/daemon.json. Everything else in this script (registry, base images)
# goes through it.
ensure_default_engine() {
  if ! pid_alive "$RUN_DIR/$(engine_pidname "$DEFAULT_ENGINE").pid" dockerd && engine_ok; then
    # an engine this script did not start (a system service, another tool): use it as it is
    local v
    v=$(docker_ version -f '{{.Server.Version}}' 2>/dev/null || echo '?')
    log "reusing the Docker engine on $(engine_sock "$DEFAULT_ENGINE") (not started by this script; server $v)"
    if ! [[ "${v%%.*}" =~ ^[0-9]+$ ]] || ((${v%%.*} < 28)); then
      warn "that engine is Docker $v, not 28+: $DEFAULT_ENGINE is meant to be forky's 28.5 (stop it and rerun up)"
    fi
    if ! check_binfmt; then
      install_packages qemu-user-static binfmt-support
      setup_binfmt
    fi
    return 0
  fi
  can_install || die "no usable Docker engine ('docker info' and 'docker buildx version' must both work) and cannot install one: need root on Debian with apt-get"
  ensure_default_packages
  [[ -n "${DOCKER:-}" && -x "$DOCKER" ]] || DOCKER=""
  pick_docker
  [[ -n "$DOCKER" ]] || die "no docker client after install"
  ensure_bridge
  if ((BRIDGE_CREATED)) && pid_alive "$RUN_DIR/$(engine_pidname "$DEFAULT_ENGINE").pid" dockerd; then
    log "$DEFAULT_ENGINE started before bridge $BRIDGE was as it is now: restarting it"
    stop_bg "$(engine_pidname "$DEFAULT_ENGINE")" dockerd
  fi
  if ((BRIDGE_CREATED)) && ! pid_alive "$RUN_DIR/$(engine_pidname "$DEFAULT_ENGINE").pid" dockerd; then
    # dockerd keeps its bridge network (and the address it put on the bridge) in this store and
    # puts that address back at start; forgetting it makes it take the bridge's address as it is.
    rm -f /var/lib/docker/network/files/local-kv.db
  fi
  write_daemon_json
  setup_binfmt # before the daemons start: buildkit probes emulators at start-up
  start_containerd containerd /run/containerd/containerd.sock containerd
  start_dockerd "$DEFAULT_ENGINE" /etc/docker/daemon.json dockerd --containerd=/run/containerd/containerd.sock \
    --host="unix://$(engine_sock "$DEFAULT_ENGINE")" --config-file=/etc/docker/daemon.json
  if [[ "$E_STORE" != containerd ]]; then
    warn "$DEFAULT_ENGINE is not using the containerd image store; multi-platform builds with the docker driver need it"
  fi
}

# docker28-classic: forky's dockerd once more, with the classic image store (graphdriver
# overlay2, what GitHub-hosted runners use), its own data-root, exec-root, pid file, socket
# and config file. It shares the system containerd (only for running containers: with the
# classic store containerd holds no images of it) in namespaces of its own, so neither
# daemon sees or cleans up the other's containers; a second containerd would buy nothing.
ensure_classic_engine() {
  local e=docker28-classic conf=$STATE_DIR/docker-classic.json
  write_file "$conf" '{"features":{"containerd-snapshotter":false},"bridge":"none","iptables":false}' || true
  mkdir -p "$STATE_DIR/docker-classic" "$RUN_DIR/docker-classic-exec"
  start_dockerd "$e" "$conf" dockerd --config-file="$conf" \
    --containerd=/run/containerd/containerd.sock \
    --containerd-namespace=moby-classic --containerd-plugins-namespace=plugins.moby-classic \
    --data-root="$STATE_DIR/docker-classic" --exec-root="$RUN_DIR/docker-classic-exec" \
    --pidfile="$RUN_DIR/docker-classic.daemon.pid" --host="unix://$(engine_sock "$e")"
  [[ "$E_STORE" == classic ]] || die "$e uses the containerd image store; check $conf"
  [[ "$E_DRIVER" == overlay2 ]] || warn "$e: graphdriver is '$E_DRIVER', not overlay2 as on GitHub-hosted runners"
}

# docker26-containerd files: trixie's docker.io, docker-cli, docker-buildx and containerd,
# downloaded with apt (never installed: forky's packages have the same names) and extracted
# with dpkg-deb under D26_DIR. Client side: D26_CLIENT_BIN holds only `docker` (26.1), so
# putting it first on PATH shadows nothing else, and D26_CONFIG/cli-plugins holds buildx
# 0.13.1, which the CLI finds there before /usr/libexec/docker/cli-plugins (forky's 0.29).
ensure_docker26_files() {
  local stamp=$D26_DIR/.debs new=$D26_DIR.new out debs=() d p specs=()
  if [[ -f "$stamp" && -x "$D26_DIR/usr/sbin/dockerd" && -x "$D26_DIR/usr/bin/containerd" &&
    -x "$D26_CLIENT_BIN/docker" && -x "$D26_CONFIG/cli-plugins/docker-buildx" ]]; then
    return 0
  fi
  can_install || die "docker26-containerd is not set up under $D26_DIR and cannot be: need root on Debian with apt"
  ensure_release_lists trixie
  for p in "${D26_PKGS[@]}"; do specs+=("$p/trixie"); done
  out=$(fetch_debs "${specs[@]}")
  mapfile -t debs <<<"$out"
  rm -rf "$new"
  mkdir -p "$new"
  for d in "${debs[@]}"; do dpkg-deb -x "$d" "$new"; done
  rm -rf "$new"/usr/share/{doc,man,bash-completion,zsh,fish} "$new"/lib/systemd "$new"/usr/lib/systemd "$new"/etc/init.d
  mkdir -p "$new/client/bin" "$new/config/cli-plugins"
  ln -sfn ../../usr/bin/docker "$new/client/bin/docker"
  ln -sfn ../../usr/libexec/docker/cli-plugins/docker-buildx "$new/config/cli-plugins/docker-buildx"
  # trixie's binaries are built against glibc 2.41; make sure they run on this libc
  for p in usr/bin/docker usr/sbin/dockerd usr/bin/containerd usr/libexec/docker/cli-plugins/docker-buildx; do
    [[ -x "$new/$p" ]] || die "$p missing from the trixie packages (${debs[*]##*/})"
    "$new/$p" --version >/dev/null 2>&1 || "$new/$p" version >/dev/null 2>&1 ||
      die "$new/$p does not run here: $("$new/$p" --version 2>&1 | head -n3)"
  done
  printf '%s\n' "${debs[@]##*/}" >"$new/.debs"
  rm -rf "$D26_DIR"
  mv "$new" "$D26_DIR"
  log "docker26-containerd files in $D26_DIR: ${debs[*]##*/}"
}

# docker26-containerd: trixie's dockerd 26.1 with the containerd image store, on its own
# containerd (trixie's 1.7, the version Docker 26 shipped with; dockerd 26 is not made for
# containerd 2.x, and a self-hosted runner that lags on 26 has 1.7 too). The extracted
# usr/bin and usr/sbin come first on PATH for both daemons, so they find their own
# containerd-shim-runc-v2, docker-init and docker-proxy; runc is bookworm's /usr/sbin/runc.
ensure_docker26_engine() {
  local e=docker26-containerd conf=$STATE_DIR/docker26.json ctd=$STATE_DIR/containerd26.toml
  local path="$D26_DIR/usr/sbin:$D26_DIR/usr/bin:$PATH"
  ensure_docker26_files
  # containerd 1.7's config (version 2 format): root, state and socket apart from the
  # system containerd's; no CRI (no Kubernetes here), no TCP listeners.
  write_file "$ctd" "# written by scripts/stack.sh — containerd 1.7 for the docker26-containerd engine
version = 2
root = \"$STATE_DIR/containerd26\"
state = \"$RUN_DIR/containerd26\"
disabled_plugins = [\"io.containerd.grpc.v1.cri\"]

[grpc]
  address = \"$RUN_DIR/containerd26.sock\"

[plugins.\"io.containerd.internal.v1.opt\"]
  path = \"$STATE_DIR/containerd26/opt\"" || true
  write_file "$conf" '{"features":{"containerd-snapshotter":true},"bridge":"none","iptables":false}' || true
  mkdir -p "$STATE_DIR/docker26" "$RUN_DIR/docker26-exec"
  start_containerd containerd26 "$RUN_DIR/containerd26.sock" \
    env PATH="$path" "$D26_DIR/usr/bin/containerd" --config "$ctd"
  start_dockerd "$e" "$conf" env PATH="$path" "$D26_DIR/usr/sbin/dockerd" --config-file="$conf" \
    --containerd="$RUN_DIR/containerd26.sock" \
    --data-root="$STATE_DIR/docker26" --exec-root="$RUN_DIR/docker26-exec" \
    --pidfile="$RUN_DIR/docker26.daemon.pid" --host="unix://$(engine_sock "$e")"
  [[ "$E_STORE" == containerd ]] || die "$e does not use the containerd image store; check $conf"
}

# --------------------------------------------------------------------------- registry

registry_ok() { curl -fsS -m 5 "$REGISTRY_URL/v2/" >/dev/null 2>&1; }

start_registry() {
  if registry_ok; then
    log "registry already answering at $REGISTRY_URL"
    return 0
  fi
  command -v docker-registry >/dev/null 2>&1 || install_packages docker-registry
  mkdir -p "$STATE_DIR/registry"
  write_file "$STATE_DIR/registry.yml" "# written by scripts/stack.sh — distribution 2.8 on loopback only
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]" || true
  start_bg registry docker-registry docker-registry serve "$STATE_DIR/registry.yml"
  if ! wait_for 30 registry_ok; then
    tail -n 30 "$LOG_DIR/registry.log" >&2 || true
    die "registry did not answer at $REGISTRY_URL/v2/ within 30 s"
  fi
  log "registry up at $REGISTRY_URL"
}

# --------------------------------------------------------------------------- base images

# registry_platforms NAME TAG — prints the architectures listed in the index (if any).
registry_platforms() {
  curl -fsS -m 10 \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
    "$REGISTRY_URL/v2/library/$1/manifests/$2" 2>/dev/null |
    grep -o '"architecture" *: *"[a-z0-9]*"' | sed 's/.*"\([a-z0-9]*\)"$/\1/' | sort -u | paste -sd ' ' - || true
}
image_complete() { # NAME TAG
  local p a
  p=" $(registry_platforms "$1" "$2") "
  for a in "${ARCHES[@]}"; do [[ "$p" == *" $a "* ]] || return 1; done
}

ensure_foreign_arches() {
  local a need_update=0 native
  native=$(dpkg --print-architecture)
  for a in "${ARCHES[@]}"; do
    [[ "$a" == "$native" ]] && continue
    if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
      dpkg --add-architecture "$a"
      log "dpkg: added foreign architecture $a"
      need_update=1
    fi
    apt-cache show "busybox-static:$a" >/dev/null 2>&1 || need_update=1
  done
  if ((need_update)); then apt-get update -q; fi
}

# apt_view ARCH — sets APT_VIEW (declare it local first) to apt options under which apt sees the packages a fresh Debian
# ARCH system would: ARCH is the only architecture, so a bare name is ARCH's (or Architecture:
# all), and so are the dependencies of an `all` package (node-acorn Depends: nodejs); and the
# dpkg status is empty, so a package the host has from elsewhere (nodesource's nodejs 20) cannot
# make a release pinned low (forky's nodejs 24) the candidate over bookworm's. No cache files:
# they would be built for this view and thrown away by the next plain apt call.
apt_view() {
  local empty=$CACHE_DIR/empty-dpkg-status
  mkdir -p "$CACHE_DIR"
  [[ -f "$empty" ]] || : >"$empty"
  APT_VIEW=(-o "APT::Architecture=$1" -o "APT::Architectures=$1" -o "Dir::State::status=$empty"
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
}

# resolve_deps ARCH PKG... — the Depends/Pre-Depends closure of PKG... for ARCH (first
# installable alternative of each dependency; a virtual one resolves to its first
# provider), without the packages in EXCLUDED_DEPS, as apt_view ARCH sees them. Prints apt
# names, one per line, for deb_files/fetch_debs under the same view. One
# `apt-cache depends --recurse` call: the cache is big, calls are slow.
resolve_deps() {
  local arch=$1 roots out APT_VIEW
  shift
  roots=("$@")
  apt_view "$arch"
  out=$(apt-cache "${APT_VIEW[@]}" depends --recurse --important "${roots[@]}") || die "apt-cache depends failed for ${roots[*]}"
  awk -v roots="${roots[*]}" -v excl="$EXCLUDED_DEPS" '
    function add(x) { deps[cur] = deps[cur] " " x }
    /^[^ ]/ { cur = $0; inchain = 0; pending = 0; next }
    /^ [ |](Pre)?Depends: / {
      if (!inchain) resolved = 0          # a new dependency (group of alternatives)
      inchain = ($0 ~ /^ \|/)             # "|": the next line is an alternative
      x = $0; sub(/^ [ |](Pre)?Depends: /, "", x)
      pending = 0
      if (!resolved) {
        if (x ~ /^</) pending = 1         # virtual: take its first provider below
        else { add(x); resolved = 1 }
      }
      next
    }
    /^    / {
      if (pending && !resolved) { x = $0; sub(/^ +/, "", x); add(x); resolved = 1; pending = 0 }
      next
    }
    END {
      n = split(roots, q, " "); head = 1
      while (head <= n) {
        p = q[head++]
        if (p in seen) continue
        seen[p] = 1
        b = p; sub(/:.*/, "", b)
        if (index(excl, " " b " ")) continue
        print p
        m = split(deps[p], d, " ")
        for (i = 1; i <= m; i++) if (!(d[i] in seen)) q[++n] = d[i]
      }
    }' <<<"$out"
}

# deb_files [--arch ARCH] PKG... (apt names from resolve_deps ARCH, or NAME/RELEASE) — the
# .deb file names apt would download for them (as apt_view ARCH sees them, with --arch), one
# per line, in order.
deb_files() {
  local uris fname n=0 APT_VIEW=()
  if [[ "${1:-}" == --arch ]]; then apt_view "$2"; shift 2; fi
  uris=$(apt-get "${APT_VIEW[@]}" download --print-uris "$@") || die "apt cannot download some of: $*"
  while read -r _ fname _; do
    [[ -n "$fname" ]] || continue
    n=$((n + 1))
    printf '%s\n' "$fname"
  done <<<"$uris"
  ((n == $#)) || die "apt gave $n download(s) for $# package(s): $*"
}

# fetch_debs [--arch ARCH] PKG... (as for deb_files) — download into the cache what is not
# there yet; print the .deb paths.
fetch_debs() {
  local out fname missing=() files=() arch=() APT_VIEW=()
  if [[ "${1:-}" == --arch ]]; then arch=(--arch "$2"); apt_view "$2"; shift 2; fi
  mkdir -p "$CACHE_DIR/debs"
  chown _apt "$CACHE_DIR/debs" 2>/dev/null || true
  out=$(deb_files "${arch[@]}" "$@")
  while read -r fname; do
    files+=("$CACHE_DIR/debs/$fname")
    [[ -s "$CACHE_DIR/debs/$fname" ]] || missing+=("$fname")
  done <<<"$out"
  if ((${#missing[@]})); then
    log "downloading ${#missing[@]} package(s) into $CACHE_DIR/debs"
    # apt-get download takes names, not file names: name_version_arch.deb -> name:arch=version
    # (the exact version: a bare name would get the candidate, e.g. bookworm's instead of the
    # NAME/trixie asked for; epochs are "%3a" in file names)
    local names=() f n v a
    for f in "${missing[@]}"; do
      f=${f%.deb}
      n=${f%%_*} a=${f##*_} v=${f#*_}
      v=${v%_*}
      v=${v//%3a/:}
      if [[ "$a" == all ]]; then names+=("$n=$v"); else names+=("$n:$a=$v"); fi
    done
    (cd "$CACHE_DIR/debs" && apt-get "${APT_VIEW[@]}" download -q "${names[@]}" >&2) || die "apt-get download failed"
  fi
  printf '%s\n' "${files[@]}"
}

image_packages() { # NAME
  case $1 in
  busybox) echo busybox-static libc6 ;;
  golang) echo busybox-static libc6 golang-1.19-go ;; # (+ golang-1.19-src, Architecture: all, as its dependency)
  python) echo busybox-static libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib zlib1g libexpat1 ;;
  node) echo busybox-static libc6 nodejs ;; # (npm comes from its own tarball: see fetch_npm)
  *) die "unknown image $1" ;;
  esac
}
# image_debs NAME ARCH — the .deb file names the rootfs of NAME for ARCH is made from.
image_debs() {
  local out pkgs
  # shellcheck disable=SC2046
  out=$(resolve_deps "$2" $(image_packages "$1"))
  mapfile -t pkgs <<<"$out"
  deb_files --arch "$2" "${pkgs[@]}"
}
image_changes() { # NAME — prints one --change per line
  local base=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  case $1 in
  busybox)
    printf '%s\n' "ENV PATH=$base" 'CMD ["/bin/sh"]' ;;
  golang)
    printf '%s\n' "ENV PATH=/go/bin:/usr/local/go/bin:/usr/lib/go-1.19/bin:$base" \
      'ENV GOPATH=/go' 'ENV GOCACHE=/root/.cache/go-build' 'ENV GOLANG_VERSION=1.19' \
      'WORKDIR /go' 'CMD ["/bin/sh"]' ;;
  python)
    printf '%s\n' "ENV PATH=$base" 'ENV LANG=C.UTF-8' 'ENV PYTHON_VERSION=3.11' 'CMD ["python3"]' ;;
  node)
    printf '%s\n' "ENV PATH=$base" 'ENV NODE_VERSION=18' "ENV NPM_VERSION=$NPM_VERSION" 'CMD ["node"]' ;;
  esac
}

# fetch_npm — prints the path of npm's tarball in the cache, downloaded from the npm registry
# (the one download here that is not a .deb) and checked against NPM_INTEGRITY.
fetch_npm() {
  local f=$CACHE_DIR/npm/npm-$NPM_VERSION.tgz
  npm_intact() { [[ -s "$1" && "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)" == "$NPM_INTEGRITY" ]]; }
  if ! npm_intact "$f"; then
    mkdir -p "$CACHE_DIR/npm"
    log "downloading npm $NPM_VERSION from registry.npmjs.org"
    curl -fsSL -m 300 -o "$f.part" "https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz" || die "cannot download npm $NPM_VERSION"
    npm_intact "$f.part" || { rm -f "$f.part"; die "npm-$NPM_VERSION.tgz does not match $NPM_INTEGRITY"; }
    mv "$f.part" "$f"
  fi
  echo "$f"
}

make_skeleton() { # ROOTFS
  local r=$1
  mkdir -p "$r"/{bin,sbin,etc,dev,proc,sys,root,home,run,var/tmp,usr/bin,usr/sbin,usr/local/bin,tmp}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  chmod 700 "$r/root"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
}

build_rootfs() { # NAME ARCH ROOTFS
  local name=$1 arch=$2 r=$3 deb applet out pkgs debs applets
  # (command substitutions, not <(…), so that failures stop the script)
  # shellcheck disable=SC2046
  out=$(resolve_deps "$arch" $(image_packages "$name"))
  mapfile -t pkgs <<<"$out"
  log "$name/$arch: ${#pkgs[@]} packages: ${pkgs[*]}"
  out=$(fetch_debs --arch "$arch" "${pkgs[@]}")
  mapfile -t debs <<<"$out"
  rm -rf "$r"
  make_skeleton "$r"
  for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$r"
  done
  rm -rf "$r"/usr/share/{doc,man,info,lintian,bug}
  # busybox applets: a symlink for every applet that no package provides.
  # The arm64 busybox (static) runs here through the qemu binfmt handler.
  out=$("$r/bin/busybox" --list-full) || die "cannot run $r/bin/busybox"
  mapfile -t applets <<<"$out"
  for applet in "${applets[@]}"; do
    [[ -n "$applet" ]] || continue
    if [[ ! -e "$r/$applet" && ! -L "$r/$applet" ]]; then
      mkdir -p "$r/${applet%/*}"
      ln -s /bin/busybox "$r/$applet"
    fi
  done
  case $name in
  golang)
    ln -sfn /usr/lib/go-1.19 "$r/usr/local/go"
    mkdir -p "$r/go/src" "$r/go/bin" "$r/root/.cache"
    chmod -R 1777 "$r/go"
    ;;
  python)
    ln -sfn python3.11 "$r/usr/bin/python3"
    ln -sfn python3 "$r/usr/bin/python"
    # byte-compile the stdlib (pyc files are architecture-independent)
    chroot "$r" /usr/bin/python3.11 -m compileall -q /usr/lib/python3.11 >/dev/null 2>&1 ||
      warn "compileall failed for python/$arch (images still work, start-up is slower)"
    ;;
  node)
    # where the official images put npm (there under /usr/local), linked as they link it
    out=$(fetch_npm)
    mkdir -p "$r/usr/lib/node_modules/npm"
    tar -xzf "$out" -C "$r/usr/lib/node_modules/npm" --strip-components=1 --no-same-owner
    ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/bin/npm"
    ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/bin/npx"
    mkdir -p "$r/root/.npm"
    # node and npm run in the rootfs (arm64's through the qemu binfmt handler)
    out=$(chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin sh -c 'node -p process.arch && npm --version' 2>&1) ||
      die "node or npm does not run in the node/$arch rootfs: $out"
    [[ "$out" == "$([[ $arch == amd64 ]] && echo x64 || echo "$arch")"$'\n'"$NPM_VERSION" ]] ||
      die "node/$arch: node -p process.arch, npm --version printed '$out'"
    log "node/$arch: node and npm $NPM_VERSION run, process.arch ${out%%$'\n'*}"
    pkgs+=("npm@$NPM_VERSION")
    ;;
  esac
  # shellcheck disable=SC2016
  printf 'multiarch test stack base image %s, %s, from Debian packages:\n%s\n' "$name" "$arch" "${pkgs[*]}" >"$r/etc/multiarch-stack-image"
}

build_image() { # NAME TAG
  local name=$1 tag=$2 arch r tarball ref refs=() changes=() c x
  mapfile -t c < <(image_changes "$name")
  for x in "${c[@]}"; do changes+=(--change "$x"); done
  for arch in "${ARCHES[@]}"; do
    r="$STATE_DIR/build/$name-$arch"
    tarball="$STATE_DIR/build/$name-$arch.tar"
    ref="$REGISTRY/library/$name:$tag-$arch"
    build_rootfs "$name" "$arch" "$r"
    tar --numeric-owner -C "$r" -cf "$tarball" .
    log "$name/$arch: rootfs $(du -sh "$r" | cut -f1); importing as $ref"
    docker_ import --platform "linux/$arch" "${changes[@]}" "$tarball" "$ref" >/dev/null
    docker_ push -q "$ref" >/dev/null
    rm -rf "$r" "$tarball"
    refs+=("$ref")
  done
  # buildx resolves localhost registries over plain HTTP, so imagetools works as is.
  docker_ buildx imagetools create -t "$REGISTRY/library/$name:$tag" "${refs[@]}" >&2
  image_complete "$name" "$tag" || die "index $REGISTRY/library/$name:$tag lacks a platform"
  log "pushed $REGISTRY/library/$name:$tag ($(registry_platforms "$name" "$tag"))"
}

ensure_images() {
  local rebuild=$1 img name tag todo=()
  for img in "${IMAGES[@]}"; do
    name=${img%%:*} tag=${img#*:}
    if ((rebuild == 0)) && image_complete "$name" "$tag"; then
      log "base image $REGISTRY/library/$img present (skip; --rebuild to redo)"
    else
      todo+=("$img")
    fi
  done
  ((${#todo[@]})) || return 0
  can_install || die "base images missing (${todo[*]}) and cannot build them: need root on Debian with apt"
  ensure_foreign_arches
  mkdir -p "$STATE_DIR/build"
  for img in "${todo[@]}"; do
    log "building base image $REGISTRY/library/$img for ${ARCHES[*]}"
    build_image "${img%%:*}" "${img#*:}"
  done
}

# --------------------------------------------------------------------------- commands

# parse_engines SPEC — all | default | NAME[,NAME...]; prints engine names, the default first
# (the registry and the base images need it).
parse_engines() {
  local spec=$1 e list=()
  case $spec in
  all) printf '%s\n' "${ENGINES[@]}"; return 0 ;;
  default) echo "$DEFAULT_ENGINE"; return 0 ;;
  esac
  IFS=, read -r -a list <<<"$spec"
  echo "$DEFAULT_ENGINE"
  for e in "${list[@]}"; do
    is_engine "$e" || die "unknown engine '$e' for --engines (all, default, or of: ${ENGINES[*]})"
    [[ "$e" == "$DEFAULT_ENGINE" ]] || echo "$e"
  done
}
# The engines the last `up` brought up (status only fails for those); all when unknown.
selected_engines() {
  if [[ -s "$RUN_DIR/engines" ]]; then cat "$RUN_DIR/engines"; else printf '%s\n' "${ENGINES[@]}"; fi
}

cmd_up() {
  local rebuild=0 t0=$SECONDS sel=all out want=() e onpath
  while (($#)); do
    case $1 in
    --rebuild) rebuild=1 ;;
    --engines) [[ $# -ge 2 ]] || die "--engines needs a value: all, default or NAME,..."; sel=$2; shift ;;
    --engines=*) sel=${1#*=} ;;
    *) die "unknown option for up: $1" ;;
    esac
    shift
  done
  out=$(parse_engines "$sel")
  mapfile -t want <<<"$out"
  pick_docker
  ensure_default_engine
  # The registry tests start their own htpasswd and token-auth registries.
  command -v htpasswd >/dev/null 2>&1 || install_packages apache2-utils
  command -v openssl >/dev/null 2>&1 || install_packages openssl
  # The summary's browser test renders it (mermaid included) in headless Chromium.
  command -v chromium >/dev/null 2>&1 || install_packages chromium
  start_registry
  ensure_images "$rebuild"
  for e in "${want[@]}"; do
    case $e in
    docker28-classic) ensure_classic_engine ;;
    docker26-containerd) ensure_docker26_engine ;;
    esac
  done
  mkdir -p "$RUN_DIR"
  printf '%s\n' "${want[@]}" >"$RUN_DIR/engines"
  # The action runs `docker` from PATH (on some machines /usr/local/bin/docker, not Debian's):
  # it must find a buildx plugin too.
  onpath=$(command -v docker 2>/dev/null || true)
  if [[ -z "$onpath" ]]; then
    warn "no \`docker\` on PATH (the action runs \`docker\` from PATH)"
  elif ! env -u DOCKER_CONFIG "$onpath" buildx version >/dev/null 2>&1; then
    warn "\`$onpath buildx version\` fails: that client finds no buildx plugin"
  fi
  log "up in $((SECONDS - t0)) s"
  cmd_status || true
}

cmd_down() {
  stop_bg "$(engine_pidname docker26-containerd)" dockerd
  stop_bg "$(engine_pidname docker28-classic)" dockerd
  stop_bg "$(engine_pidname docker28-containerd)" dockerd
  stop_bg containerd26 containerd
  stop_bg containerd containerd
  stop_bg registry docker-registry
}

cmd_env() {
  local e=${1:-} p
  [[ -n "$e" ]] || die "usage: scripts/stack.sh env ENGINE (one of: ${ENGINES[*]})"
  is_engine "$e" || die "unknown engine '$e' (one of: ${ENGINES[*]})"
  printf 'DOCKER_HOST=unix://%s\n' "$(engine_sock "$e")"
  if [[ "$e" == docker26-containerd ]]; then
    printf 'DOCKER_CONFIG=%s\n' "$D26_CONFIG"
    # the client dir first, once (a shell that evaluated this before already has it)
    p=":${PATH}:"
    p=${p//:$D26_CLIENT_BIN:/:}
    p=${p#:}
    p=${p%:}
    printf 'PATH=%s\n' "$D26_CLIENT_BIN${p:+:$p}"
  fi
}

# status_engine ENGINE — one report line (+ details); false when it does not answer.
status_engine() {
  local e=$1 name info ver driver dstat insecure bx store client
  name=$(engine_pidname "$e")
  if [[ "$e" == docker26-containerd ]]; then
    client="$D26_CLIENT_BIN/docker, DOCKER_CONFIG=$D26_CONFIG"
  else
    client="${DOCKER:-none}"
  fi
  info=$(edocker "$e" info -f '{{.ServerVersion}}|{{.Driver}}|{{json .DriverStatus}}|{{json .RegistryConfig.InsecureRegistryCIDRs}}' 2>/dev/null) || info=""
  IFS='|' read -r ver driver dstat insecure <<<"$info"
  if [[ -z "$ver" ]]; then # (see engine_probe)
    printf '%-20s: DOWN — unix://%s (client %s)\n' "$e" "$(engine_sock "$e")" "$client"
    return 1
  fi
  if [[ "$dstat" == *io.containerd.snapshotter* ]]; then store=containerd; else store=classic; fi
  bx=$(edocker "$e" buildx version 2>/dev/null | cut -d' ' -f2) || bx=""
  printf '%-20s: %s — server %s, buildx %s, driver %s (%s image store), unix://%s\n' \
    "$e" "$([[ -n "$bx" ]] && echo up || echo 'up, BUILDX MISSING')" "$ver" "${bx:-MISSING}" "$driver" "$store" "$(engine_sock "$e")"
  printf '%-20s  client %s' "" "$client"
  if pid_alive "$RUN_DIR/$name.pid" dockerd; then printf '; dockerd pid %s' "$(cat "$RUN_DIR/$name.pid")"; fi
  [[ "$insecure" == *127.0.0.0/8* ]] || printf '; 127.0.0.0/8 NOT an insecure registry range (%s)' "$insecure"
  printf '\n'
  [[ -n "$bx" ]]
}

cmd_status() {
  local bad=0 img name tag p f e sel onpath
  pick_docker
  sel=" $(selected_engines | paste -sd' ' -) "
  echo "== multiarch stack status"
  for e in "${ENGINES[@]}"; do
    if ! status_engine "$e"; then
      if [[ "$sel" == *" $e "* ]]; then bad=1; else printf '%-20s  (not asked for by the last up)\n' ""; fi
    fi
  done
  onpath=$(command -v docker 2>/dev/null || true)
  if [[ -n "$onpath" && "$onpath" != "${DOCKER:-}" ]]; then
    # (`docker version` prints the client part and fails when the engine is down)
    echo "\`docker\` on PATH : $onpath (client $("$onpath" version -f '{{.Client.Version}}' 2>/dev/null | head -n1 || true), buildx: $(env -u DOCKER_CONFIG "$onpath" buildx version 2>/dev/null | cut -d' ' -f2 || true))"
  fi
  p=$(bridge_problem)
  if [[ -z "$p" ]]; then
    echo "bridge        : $BRIDGE $BRIDGE_CIDR, up, forwarding off, IPv6 off; $DEFAULT_ENGINE's default network"
  else
    echo "bridge        : NOT OK — $p (scripts/stack.sh up sets it up)"; bad=1
  fi
  p=$(daemons_holding_lock)
  if [[ -z "$p" ]]; then
    echo "lock          : no daemon of ours holds $STACK_LOCK open"
  else
    echo "lock          : HELD BY DAEMONS — $(paste -sd';' - <<<"$p") (restart them: scripts/stack.sh down; flock -o $STACK_LOCK scripts/stack.sh up)"; bad=1
  fi
  if pid_alive "$RUN_DIR/containerd.pid" containerd; then
    echo "containerd    : up — pid $(cat "$RUN_DIR/containerd.pid"), /run/containerd/containerd.sock ($(containerd --version 2>/dev/null | cut -d' ' -f3))"
  elif [[ -S /run/containerd/containerd.sock ]]; then
    echo "containerd    : socket present (not started by this script)"
  else
    echo "containerd    : not started by this script"
  fi
  if pid_alive "$RUN_DIR/containerd26.pid" containerd; then
    echo "containerd26  : up — pid $(cat "$RUN_DIR/containerd26.pid"), $RUN_DIR/containerd26.sock ($("$D26_DIR/usr/bin/containerd" --version 2>/dev/null | cut -d' ' -f3))"
  fi
  if registry_ok; then
    echo "registry      : up — $REGISTRY_URL (use as $REGISTRY)$(pid_alive "$RUN_DIR/registry.pid" docker-registry && echo ", pid $(cat "$RUN_DIR/registry.pid")")"
  else
    echo "registry      : DOWN ($REGISTRY_URL)"; bad=1
  fi
  if check_binfmt 2>/dev/null; then
    echo "binfmt        : qemu-aarch64 enabled"
  else
    echo "binfmt        : qemu-aarch64 NOT enabled"; bad=1
  fi
  if [[ -d /proc/sys/fs/binfmt_misc ]]; then
    for f in /proc/sys/fs/binfmt_misc/qemu-*; do
      [[ -e "$f" ]] || continue
      printf '                %-16s %s %s\n' "${f##*/}" "$(head -n1 "$f")" "$(grep '^flags:' "$f" | tr -d ' ')"
    done | grep -E 'aarch64|arm |x86_64|riscv64|ppc64le|s390x' || true
  fi
  if registry_ok; then
    for img in "${IMAGES[@]}"; do
      name=${img%%:*} tag=${img#*:}
      p=$(registry_platforms "$name" "$tag")
      if image_complete "$name" "$tag"; then
        echo "base image    : $REGISTRY/library/$img [$p]"
      else
        echo "base image    : $REGISTRY/library/$img MISSING${p:+ (only: $p)}"; bad=1
      fi
    done
  fi
  return $bad
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
  esac
}
# allow `source scripts/stack.sh` (for debugging single functions)
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
