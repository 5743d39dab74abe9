#!/bin/sh
# Builds the agent image with no image registry: a Debian rootfs made on the host from
# the apt mirror (debootstrap, so TLS and proxies are the host's), plus the host's own
# Node binary, imported with `docker import`. Equivalent to container/Dockerfile, without
# Chromium and agent-browser unless OMNICLAW_IMAGE_PACKAGES adds chromium. The steps shared
# with the systemd test image are in debootstrap-lib.sh.
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
NAME=omniclaw-image
REPO=omniclaw-agent
. "$(dirname "$0")/debootstrap-lib.sh"

use_cached_image "$0"
make_rootfs
echo 'agent:x:1000:1000:OmniClaw agent:/workspace/state:/bin/sh' >>"$ROOTFS/etc/passwd"
echo 'agent:x:1000:' >>"$ROOTFS/etc/group"
mkdir -p "$ROOTFS/workspace" "$ROOTFS/opt/omniclaw" "$ROOTFS/run/omniclaw"
trim_rootfs

echo "$NAME: importing $CONTENT_TAG"
tar -C "$ROOTFS" -c . | "$DOCKER" import \
  --change 'USER 1000:1000' \
  --change 'WORKDIR /workspace/agent' \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8' \
  --change 'CMD ["node"]' \
  - "$CONTENT_TAG" >/dev/null
"$DOCKER" tag "$CONTENT_TAG" "$TAG"
echo "$NAME: built $CONTENT_TAG -> $TAG"
