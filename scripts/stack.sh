#!/usr/bin/env bash
# scripts/stack.sh — the real Docker test stack for multiarch.
#
#   scripts/stack.sh up [--rebuild]   install (if needed) and start: containerd, dockerd
#                                     (containerd image store), QEMU binfmt handlers, a
#                                     local registry on 127.0.0.1:5000, and multi-arch base
#                                     images (busybox:1.35, golang:1.19, python:3.11-slim)
#                                     built from Debian packages and pushed to it.
#   scripts/stack.sh down             stop what `up` started (by pid file)
#   scripts/stack.sh status           report each piece; exit non-zero if any is not up
#
# Everything listens on loopback only. Nothing is pulled from Docker Hub: the base images
# are assembled from Debian .deb files (apt) and imported with `docker import`.
# Builds use them through buildx named contexts, e.g.
#   --build-context golang:1.19=docker-image://localhost:5000/library/golang:1.19
#
# Environment overrides: DOCKER (client binary), STACK_REGISTRY_PORT (default 5000).
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
# name:tag of every base image, in build order
IMAGES=(busybox:1.35 golang:1.19 python:3.11-slim)
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
docker_() { "$DOCKER" "$@"; }
engine_ok() {
  [[ -n "${DOCKER:-}" ]] && docker_ info >/dev/null 2>&1 && docker_ buildx version >/dev/null 2>&1
}
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
pid_alive() { # pidfile [expected-comm]
  local f=$1 pid
  [[ -f "$f" ]] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "${2:-}" ]]; then
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2"* ]] || return 1
  fi
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
  nohup setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
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
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
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

ensure_apt_sources() {
  local arch
  arch=$(dpkg --print-architecture)
  # Debian trixie, pinned low: only packages asked for with /trixie come from it.
  write_file /etc/apt/sources.list.d/trixie.sources "Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Architectures: ${arch}
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" || true
  write_file /etc/apt/preferences.d/multiarch-trixie "Package: *
Pin: release n=trixie
Pin-Priority: 100" || true
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# install_packages SPEC... (SPEC is name or name/release); installs only the missing ones.
install_packages() {
  local spec missing=() created_policy=0
  for spec in "$@"; do
    pkg_installed "${spec%%/*}" || missing+=("$spec")
  done
  ((${#missing[@]})) || return 0
  can_install || die "missing packages (${missing[*]}) and cannot install them: need root on Debian with apt-get"
  if printf '%s\n' "${missing[@]}" | grep -q '/trixie$'; then ensure_apt_sources; fi
  log "installing: ${missing[*]}"
  # No init system here: keep package maintainer scripts from starting services
  # (docker, docker-registry); this script starts what it needs itself.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  local rc=0
  apt-get update -q || rc=$?
  if ((rc == 0)); then
    apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  fi
  if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi
  ((rc == 0)) || die "apt-get failed (exit $rc) installing: ${missing[*]}"
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

# --------------------------------------------------------------------------- engine

write_daemon_json() {
  local f=/etc/docker/daemon.json
  local want='{"features":{"containerd-snapshotter":true},"bridge":"none","iptables":false}'
  if [[ -f "$f" ]] && ! grep -q containerd-snapshotter "$f"; then cp "$f" "$f.bak-multiarch-stack"; fi
  write_file "$f" "$want" || true
}

start_engine() {
  local i sock=/run/containerd/containerd.sock
  containerd_ok() { ctr --address "$sock" version >/dev/null 2>&1; }
  if containerd_ok; then
    log "containerd already answering on $sock"
  else
    # a socket left by a killed containerd would make the wait below pass too early
    [[ -S "$sock" ]] && ! pid_alive "$RUN_DIR/containerd.pid" containerd && rm -f "$sock"
    start_bg containerd containerd containerd
  fi
  if ! wait_for 30 containerd_ok; then
    tail -n 40 "$LOG_DIR/containerd.log" >&2 || true
    die "containerd did not come up (log: $LOG_DIR/containerd.log)"
  fi
  start_bg dockerd dockerd dockerd --containerd=/run/containerd/containerd.sock \
    --host=unix:///var/run/docker.sock --config-file=/etc/docker/daemon.json
  log "waiting for the Docker engine (up to 60 s)…"
  local ok=0
  for ((i = 0; i < 120; i++)); do
    if docker_ info >/dev/null 2>&1; then ok=1; break; fi
    pid_alive "$RUN_DIR/dockerd.pid" dockerd || break # died: no point in waiting
    sleep 0.5
  done
  if ((ok == 0)); then
    echo "---- tail of $LOG_DIR/dockerd.log" >&2
    tail -n 40 "$LOG_DIR/dockerd.log" >&2 || true
    echo "---- tail of $LOG_DIR/containerd.log" >&2
    tail -n 20 "$LOG_DIR/containerd.log" >&2 || true
    die "the Docker engine did not answer 'docker info' within 60 s"
  fi
  if ! docker_ info -f '{{.DriverStatus}}' | grep -q 'io.containerd.snapshotter'; then
    warn "the engine is not using the containerd image store; multi-platform builds with the docker driver need it"
  fi
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

# resolve_deps ARCH PKG... — the Depends/Pre-Depends closure of PKG... for ARCH (first
# installable alternative of each dependency; a virtual one resolves to its first
# provider), without the packages in EXCLUDED_DEPS. Prints apt names, one per line:
# "name" for the native architecture and for Architecture: all packages, "name:arch"
# otherwise. One `apt-cache depends --recurse` call: the cache is big, calls are slow.
resolve_deps() {
  local arch=$1 native p roots=() out
  shift
  native=$(dpkg --print-architecture)
  for p in "$@"; do
    if [[ "$arch" == "$native" ]]; then roots+=("$p"); else roots+=("$p:$arch"); fi
  done
  out=$(apt-cache depends --recurse --important "${roots[@]}") || die "apt-cache depends failed for ${roots[*]}"
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

# fetch_debs PKG... (apt names from resolve_deps) — download into the cache what is not
# there yet; print the .deb paths.
fetch_debs() {
  local uris fname missing=() files=() n=0
  mkdir -p "$CACHE_DIR/debs"
  chown _apt "$CACHE_DIR/debs" 2>/dev/null || true
  uris=$(apt-get download --print-uris "$@") || die "apt cannot download some of: $*"
  while read -r _ fname _; do
    [[ -n "$fname" ]] || continue
    n=$((n + 1))
    files+=("$CACHE_DIR/debs/$fname")
    [[ -s "$CACHE_DIR/debs/$fname" ]] || missing+=("$fname")
  done <<<"$uris"
  ((n == $#)) || die "apt gave $n download(s) for $# package(s): $*"
  if ((${#missing[@]})); then
    log "downloading ${#missing[@]} package(s) into $CACHE_DIR/debs"
    # apt-get download takes names, not file names: name_version_arch.deb -> name:arch
    local names=() f
    for f in "${missing[@]}"; do
      f=${f%.deb}
      names+=("${f%%_*}:${f##*_}")
    done
    names=("${names[@]/%:all/}")
    (cd "$CACHE_DIR/debs" && apt-get download -q "${names[@]}" >&2) || die "apt-get download failed"
  fi
  printf '%s\n' "${files[@]}"
}

image_packages() { # NAME
  case $1 in
  busybox) echo busybox-static libc6 ;;
  golang) echo busybox-static libc6 golang-1.19-go ;; # (+ golang-1.19-src, Architecture: all, as its dependency)
  python) echo busybox-static libc6 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib zlib1g libexpat1 ;;
  *) die "unknown image $1" ;;
  esac
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
  esac
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
  out=$(fetch_debs "${pkgs[@]}")
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

cmd_up() {
  local rebuild=0 t0=$SECONDS
  for a in "$@"; do
    case $a in
    --rebuild) rebuild=1 ;;
    *) die "unknown option for up: $a" ;;
    esac
  done
  pick_docker
  if engine_ok; then
    log "reusing the Docker engine already reachable via $DOCKER"
    if ! check_binfmt; then
      install_packages qemu-user-static binfmt-support
      setup_binfmt
    fi
  else
    can_install || die "no usable Docker engine ('docker info' and 'docker buildx version' must both work) and cannot install one: need root on Debian with apt-get"
    install_packages docker.io/trixie docker-cli/trixie containerd/trixie docker-buildx/trixie \
      qemu-user-static binfmt-support docker-registry ca-certificates curl
    DOCKER=""
    pick_docker
    [[ -n "$DOCKER" ]] || die "no docker client after install"
    docker_ buildx version >/dev/null 2>&1 || die "'$DOCKER buildx' does not work (package docker-buildx, /usr/libexec/docker/cli-plugins)"
    write_daemon_json
    setup_binfmt # before the daemon starts: buildkit probes emulators at start-up
    start_engine
  fi
  # The registry tests start their own htpasswd and token-auth registries.
  command -v htpasswd >/dev/null 2>&1 || install_packages apache2-utils
  command -v openssl >/dev/null 2>&1 || install_packages openssl
  start_registry
  ensure_images "$rebuild"
  log "up in $((SECONDS - t0)) s"
  cmd_status || true
}

cmd_down() {
  stop_bg dockerd dockerd
  stop_bg containerd containerd
  stop_bg registry docker-registry
}

cmd_status() {
  local bad=0 img name tag p f
  pick_docker
  echo "== multiarch stack status"
  if [[ -n "$DOCKER" ]] && docker_ info >/dev/null 2>&1; then
    echo "docker engine : up — server $(docker_ version -f '{{.Server.Version}}' 2>/dev/null), client $DOCKER $(docker_ version -f '{{.Client.Version}}' 2>/dev/null), storage $(docker_ info -f '{{.Driver}}' 2>/dev/null)"
    if pid_alive "$RUN_DIR/dockerd.pid" dockerd; then echo "                dockerd pid $(cat "$RUN_DIR/dockerd.pid") (started by this script)"; fi
    local onpath
    onpath=$(command -v docker 2>/dev/null || true)
    if [[ -n "$onpath" && "$onpath" != "$DOCKER" ]]; then
      echo "                \`docker\` on PATH is $onpath (client $("$onpath" version -f '{{.Client.Version}}' 2>/dev/null || echo '?'), buildx: $("$onpath" buildx version >/dev/null 2>&1 && echo ok || echo MISSING))"
    fi
  else
    echo "docker engine : DOWN"; bad=1
  fi
  if pid_alive "$RUN_DIR/containerd.pid" containerd; then
    echo "containerd    : up — pid $(cat "$RUN_DIR/containerd.pid")"
  elif [[ -S /run/containerd/containerd.sock ]]; then
    echo "containerd    : socket present (not started by this script)"
  else
    echo "containerd    : not started by this script"
  fi
  if [[ -n "$DOCKER" ]] && docker_ buildx version >/dev/null 2>&1; then
    echo "buildx        : $(docker_ buildx version 2>/dev/null)"
  else
    echo "buildx        : MISSING"; bad=1
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
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case $cmd in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
  esac
}
# allow `source scripts/stack.sh` (for debugging single functions)
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
