#!/bin/sh
# Stand-in for apt-get inside the stack's golang:1.19 image, which has no package manager (it is
# assembled from .deb files) and no network to reach a Debian mirror from a build anyway.
# It does what matters to the cross-compile planner: `install PKG…` puts an executable of the
# stage's own architecture at /usr/bin/PKG (a copy of the stage's busybox), as a real package
# install would, so a build-platform package that leaked into the image would be caught by
# verification. `update`, `clean` and the options are accepted and do nothing.
set -e
while [ $# -gt 0 ]; do
  case "$1" in
  -*) shift ;;
  update | clean) exit 0 ;;
  install) shift; break ;;
  *) echo "apt-get stand-in: unsupported command $1" >&2; exit 100 ;;
  esac
done
for pkg; do
  case "$pkg" in -*) continue ;; esac
  cp /bin/busybox "/usr/bin/$pkg"
  echo "Setting up $pkg (stand-in, $(uname -m)) ..."
done
