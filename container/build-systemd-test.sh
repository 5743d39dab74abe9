#!/bin/sh
# Builds a test image with systemd as PID 1, for the test that `omniclaw service install
# --system` really restarts a killed daemon (test/e2e/service-systemd.e2e.test.ts). Built
# like the agent image (debootstrap-lib.sh: no image registry). The repository is not in
# the image: the test mounts the built checkout read-only.
#
# Usage: container/build-systemd-test.sh [tag]     (needs root and debootstrap)
# Also tagged omniclaw-systemd-test:offline-<hash of the inputs>; when that tag exists the
# build is skipped, so CI pays for it once per change. `docker import` takes no STOPSIGNAL:
# run it with `--stop-signal SIGRTMIN+3`.
set -eu

NAME=omniclaw-systemd-test
REPO=omniclaw-systemd-test
TAG="${1:-$REPO:latest}"
DOCKER="${DOCKER:-docker}"
SUITE="${OMNICLAW_IMAGE_SUITE:-bookworm}"
MIRROR="${OMNICLAW_IMAGE_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="systemd,systemd-sysv,dbus,procps,curl,ca-certificates"
NODE_BIN="$(readlink -f "$(command -v node)")"
. "$(dirname "$0")/debootstrap-lib.sh"

use_cached_image "$0"
make_rootfs
# A container boots no hardware: only what the test needs starts.
for unit in getty.target systemd-logind.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer; do
  ln -sf /dev/null "$ROOTFS/etc/systemd/system/$unit"
done
trim_rootfs

echo "$NAME: importing $CONTENT_TAG"
tar -C "$ROOTFS" -c . | "$DOCKER" import \
  --change 'ENV container=docker PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
  --change 'CMD ["/lib/systemd/systemd"]' \
  - "$CONTENT_TAG" >/dev/null
"$DOCKER" tag "$CONTENT_TAG" "$TAG"
echo "$NAME: built $CONTENT_TAG -> $TAG"
