#!/bin/sh
# Builds the agent image with no image registry: a Debian rootfs made on the host from
# the apt mirror (debootstrap, so TLS and proxies are the host's), plus the host's own
# Node binary, imported with `docker import`. Equivalent to container/Dockerfile, without
# Chromium and agent-browser unless OMNICLAW_IMAGE_PACKAGES adds chromium.
#
# Usage: container/build-offline.sh [tag]          (needs root and debootstrap)
# The result is also tagged omniclaw-agent:offline-<hash of the inputs>; when that tag
# exists already the build is skipped, so CI pays for it once per change.
set -eu

TAG="${1:-omniclaw-agent:latest}"
DOCKER="${DOCKER:-docker}"
SUITE="${OMNICLAW_IMAGE_SUITE:-bookworm}"
MIRROR="${OMNICLAW_IMAGE_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="${OMNICLAW_IMAGE_PACKAGES:-ca-certificates,git}"
NODE_BIN="$(readlink -f "$(command -v node)")"

HASH=$( { cat "$0"; echo "$SUITE $MIRROR $PACKAGES"; sha256sum "$NODE_BIN"; } | sha256sum | cut -c1-16)
CONTENT_TAG="omniclaw-agent:offline-$HASH"

if "$DOCKER" image inspect "$CONTENT_TAG" >/dev/null 2>&1; then
  "$DOCKER" tag "$CONTENT_TAG" "$TAG"
  echo "omniclaw-image: up to date $CONTENT_TAG -> $TAG"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "omniclaw-image: debootstrap is missing; install it: sudo apt-get install debootstrap" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "omniclaw-image: the offline build needs root (debootstrap, chroot); run it with sudo" >&2
  exit 2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/omniclaw-image.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT INT TERM
ROOTFS="$WORK/rootfs"

echo "omniclaw-image: debootstrap $SUITE ($PACKAGES) from $MIRROR"
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
  tail -n 20 "$WORK/debootstrap.log" >&2
  echo "omniclaw-image: debootstrap failed (is $MIRROR reachable?)" >&2
  exit 1
fi

install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
# The host's Node must run on the image's libraries; fail here, not in the first agent run.
if ! chroot "$ROOTFS" /usr/local/bin/node -e 0; then
  echo "omniclaw-image: the host's node ($NODE_BIN) does not run in a $SUITE rootfs; use a Node build for Debian $SUITE" >&2
  exit 1
fi

echo 'agent:x:1000:1000:OmniClaw agent:/workspace/state:/bin/sh' >>"$ROOTFS/etc/passwd"
echo 'agent:x:1000:' >>"$ROOTFS/etc/group"
mkdir -p "$ROOTFS/workspace" "$ROOTFS/opt/omniclaw" "$ROOTFS/run/omniclaw"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
  "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man "$ROOTFS"/usr/share/info "$ROOTFS"/usr/share/locale

echo "omniclaw-image: importing $CONTENT_TAG"
tar -C "$ROOTFS" -c . | "$DOCKER" import \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /workspace/agent' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8' \
  --change 'CMD ["node"]' \
  - "$CONTENT_TAG" >/dev/null
"$DOCKER" tag "$CONTENT_TAG" "$TAG"
echo "omniclaw-image: built $CONTENT_TAG -> $TAG"
