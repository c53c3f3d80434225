#!/usr/bin/env bash
# Peak memory of `bilateral` on one large photo, per pixel and against the
# decoded 8-bit image (3 bytes per pixel), with the memory target (at most 1.5 x
# the decoded image + 64 MB): a bench script, not a test.
#
#   cargo build --release -p denoise-kernel
#   crates/denoise-kernel/scripts/peak_memory.sh [WIDTH HEIGHT]   # default 4000 3000
#
# The photo is a noisy RGB PNG written by Python's standard library (zlib), so
# nothing else is needed; /usr/bin/time -v reports the peak resident set.
set -euo pipefail
width=${1:-4000}
height=${2:-3000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
bilateral=${BILATERAL:-$root/target/release/bilateral}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/big.png" "$width" "$height" <<'PY'
import os, struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
with open(path, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
    f.write(chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
PY

/usr/bin/time -v "$bilateral" "$tmp/big.png" "$tmp/out.png" 2> "$tmp/time.txt" >/dev/null
kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
python3 - "$kib" "$width" "$height" <<'PY'
import sys
kib, w, h = (int(a) for a in sys.argv[1:])
peak, pixels = kib * 1024, w * h
decoded = 3 * pixels
target = 1.5 * decoded + 64e6
print(f"{w}x{h} RGB: peak {peak / 1e6:.0f} MB = {peak / pixels:.1f} bytes per pixel "
      f"= {peak / decoded:.1f} x the decoded 8-bit image; "
      f"target 1.5 x decoded + 64 MB = {target / 1e6:.0f} MB: "
      f"{'met' if peak <= target else 'NOT met'} ({peak / target:.2f} of it)")
PY
