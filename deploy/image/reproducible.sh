#!/bin/sh
# Builds the image with `make image` from two fresh clones of HEAD, in two
# temporary folders, and checks that both builds give the same image id
# (the configuration's digest, which names every layer's digest) and the
# same manifest digest. Layers are built afresh (--no-cache), so the second
# build cannot take the first one's. Run by `make test-image-reproducible`.
set -eu
repo=$(git rev-parse --show-toplevel)
rev=$(git -C "$repo" rev-parse HEAD)
work=$(mktemp -d)
trap 'rm -rf "$work"; podman rmi -f localhost/telegent-facade:repro-a localhost/telegent-facade:repro-b >/dev/null 2>&1 || true' EXIT
for side in a b; do
	git clone --quiet --no-hardlinks "$repo" "$work/$side"
	git -C "$work/$side" checkout --quiet --detach "$rev"
	make -C "$work/$side" --no-print-directory image IMAGE=localhost/telegent-facade:repro-$side PODMAN_BUILD_FLAGS=--no-cache >"$work/build-$side.log" 2>&1 ||
		{ cat "$work/build-$side.log"; exit 1; }
done
id_a=$(podman image inspect --format '{{.Id}}' localhost/telegent-facade:repro-a)
id_b=$(podman image inspect --format '{{.Id}}' localhost/telegent-facade:repro-b)
digest_a=$(podman image inspect --format '{{.Digest}}' localhost/telegent-facade:repro-a)
digest_b=$(podman image inspect --format '{{.Digest}}' localhost/telegent-facade:repro-b)
echo "clone a: id $id_a digest $digest_a"
echo "clone b: id $id_b digest $digest_b"
if [ "$id_a" != "$id_b" ] || [ "$digest_a" != "$digest_b" ]; then
	echo "FAIL: two builds of $rev differ" >&2
	exit 1
fi
echo "ok: two clean clones of $rev build the same image"
