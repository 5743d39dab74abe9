# Shared by build-offline.sh (the agent image) and build-systemd-test.sh (the service test
# image): an image built with no image registry, from a Debian rootfs made on the host
# (debootstrap from the apt mirror, so TLS and proxies are the host's) plus the host's Node.
# Sourced, not run. The caller sets NAME (for messages), REPO (image name), SUITE, MIRROR,
# PACKAGES, DOCKER and NODE_BIN, and calls these in order.

# Sets CONTENT_TAG from a hash of the inputs; with that tag present, tags it TAG and exits 0.
use_cached_image() {
  HASH=$( { cat "$1" "$(dirname "$1")/debootstrap-lib.sh"; echo "$SUITE $MIRROR $PACKAGES"; sha256sum "$NODE_BIN"; } | sha256sum | cut -c1-16)
  CONTENT_TAG="$REPO:offline-$HASH"
  if "$DOCKER" image inspect "$CONTENT_TAG" >/dev/null 2>&1; then
    "$DOCKER" tag "$CONTENT_TAG" "$TAG"
    echo "$NAME: up to date $CONTENT_TAG -> $TAG"
    exit 0
  fi
}

# Checks debootstrap and root, then makes $ROOTFS (in a temp folder removed on exit) with the host's node.
make_rootfs() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "$NAME: debootstrap is missing; install it: sudo apt-get install debootstrap" >&2
    exit 2
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "$NAME: the offline build needs root (debootstrap, chroot); run it with sudo" >&2
    exit 2
  fi
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/$NAME.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT INT TERM
  ROOTFS="$WORK/rootfs"
  echo "$NAME: debootstrap $SUITE ($PACKAGES) from $MIRROR"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 20 "$WORK/debootstrap.log" >&2
    echo "$NAME: debootstrap failed (is $MIRROR reachable?)" >&2
    exit 1
  fi
  install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
  # The host's Node must run on the image's libraries; fail here, not in the first run.
  if ! chroot "$ROOTFS" /usr/local/bin/node -e 0; then
    echo "$NAME: the host's node ($NODE_BIN) does not run in a $SUITE rootfs; use a Node build for Debian $SUITE" >&2
    exit 1
  fi
}

# Drops what an image does not need (package caches, docs).
trim_rootfs() {
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/info "$ROOTFS"/usr/share/locale
}
