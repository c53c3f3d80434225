"""Makes the 16-bit scikit-image references in data/reference/ (gray and RGB).

Needs Python with scikit-image 0.26 (not part of the build):
    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-image==0.26.0
    /tmp/skvenv/bin/python crates/denoise-kernel/scripts/make_16bit_references.py

Each input is a crop of a base photo (data/photos/) turned into true 16-bit
values (a gamma curve, so they are not 8-bit values times 257), saved as a
16-bit PNG and as a 16-bit TIFF written by tifffile; the reference is
`denoise_bilateral(img_as_float(u16), sigma_color=0.1, sigma_spatial=3)` as
raw float64 little-endian, H x W x C, like the 8-bit references
(crates/denoise-kernel/tests/reference.rs reads both).
"""

import hashlib
import json
import os
import struct
import zlib

import numpy as np
import skimage
import skimage.io
import tifffile
from skimage import img_as_float
from skimage.color import rgb2gray
from skimage.restoration import denoise_bilateral

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data")
OUT = os.path.join(ROOT, "reference")


def to_u16(image):
    """Float 0..1 to 16-bit through a gamma curve: uses all 65536 levels."""
    return np.round(np.clip(image, 0, 1) ** 0.8 * 65535).astype(np.uint16)


def write_png16(path, pixels):
    """A 16-bit gray or RGB PNG, written directly (Pillow cannot write RGB16)."""
    height, width = pixels.shape[:2]
    colour_type = 0 if pixels.ndim == 2 else 2
    rows = pixels.astype(">u2").reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    cases = {}
    hubble = img_as_float(skimage.io.imread(os.path.join(ROOT, "photos", "hubble_deep_field.jpg")))
    coffee = img_as_float(skimage.io.imread(os.path.join(ROOT, "photos", "coffee.jpg")))
    inputs = {
        "gray16_48x40": (to_u16(rgb2gray(hubble[420:468, 480:520])), None),
        "rgb16_40x48": (to_u16(coffee[200:240, 250:298]), -1),
    }
    for name, (pixels, channel_axis) in inputs.items():
        png = f"{name}_input.png"
        write_png16(os.path.join(OUT, png), pixels)
        result = denoise_bilateral(
            img_as_float(pixels), sigma_color=0.1, sigma_spatial=3, channel_axis=channel_axis
        )
        # The same samples as a TIFF, written by tifffile (scikit-image's own
        # TIFF plugin), as a microscope would: the gray one zlib-compressed, the
        # RGB one plain. Read back by scikit-image, it must give the same result.
        tif = f"{name}_input.tif"
        tifffile.imwrite(
            os.path.join(OUT, tif),
            pixels,
            photometric="minisblack" if pixels.ndim == 2 else "rgb",
            compression="zlib" if pixels.ndim == 2 else None,
        )
        from_tif = skimage.io.imread(os.path.join(OUT, tif))
        assert from_tif.dtype == np.uint16 and np.array_equal(from_tif, pixels), name
        again = denoise_bilateral(
            img_as_float(from_tif), sigma_color=0.1, sigma_spatial=3, channel_axis=channel_axis
        )
        assert np.array_equal(again, result), name
        raw = f"{name}_skimage.f64le"
        data = result.astype("<f8").tobytes()
        with open(os.path.join(OUT, raw), "wb") as f:
            f.write(data)
        cases[name] = {
            "input": png,
            "tiff_input": tif,
            "output": raw,
            "height": pixels.shape[0],
            "width": pixels.shape[1],
            "channels": 1 if pixels.ndim == 2 else pixels.shape[2],
            "max_value": float(img_as_float(pixels).max()),
            "output_sha256": hashlib.sha256(data).hexdigest(),
        }
        print(name, pixels.shape, pixels.dtype, "distinct values:", len(np.unique(pixels)))
    meta = {
        "skimage_version": skimage.__version__,
        "call": "denoise_bilateral(img_as_float(u16), sigma_color=0.1, sigma_spatial=3, "
        "channel_axis=-1 for RGB / None for gray)",
        "made_by": "crates/denoise-kernel/scripts/make_16bit_references.py",
        "cases": cases,
    }
    with open(os.path.join(OUT, "meta_16bit.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
