#!/usr/bin/env bash
# Fetches the font that figures embed (assets/fonts/DejaVuSans.ttf) from the Debian package
# fonts-dejavu-core 2.37-6 (bookworm), licence Bitstream Vera (DejaVu changes public domain), and
# copies its licence beside it. Needs apt-get (no root: `apt-get download` only fetches the .deb).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=2.37-6
SHA256=abdc775b21b1bc470d50c97e790d276f2054b7504e56e5bd3e64f48d68582322
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "fonts-dejavu-core=$VERSION" >/dev/null)
dpkg-deb -x "$work"/fonts-dejavu-core_*.deb "$work/x"
mkdir -p assets/fonts
cp "$work/x/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" assets/fonts/DejaVuSans.ttf
cp "$work/x/usr/share/doc/fonts-dejavu-core/copyright" assets/fonts/LICENSE.DejaVu
echo "$SHA256  assets/fonts/DejaVuSans.ttf" | sha256sum --check --quiet - \
  || { echo "DejaVuSans.ttf checksum differs from the recorded one" >&2; exit 1; }
