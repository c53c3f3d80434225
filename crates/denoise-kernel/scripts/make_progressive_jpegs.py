"""Makes the progressive JPEGs in data/progressive/ from the base photos.

Needs Python with Pillow (not part of the build), e.g. the scikit-image venv of
make_16bit_references.py:
    /tmp/skvenv/bin/python crates/denoise-kernel/scripts/make_progressive_jpegs.py

Progressive JPEG (what much of the web serves) sends each photo in several
scans: DC values, then bands of AC coefficients, then refinement bits. Pillow
writes them with libjpeg's standard progression. The files are crops of the
base photos (data/photos/, see its LICENSES.md), kept small: colour with 4:2:0
chroma, colour with 4:4:4 and restart markers, and gray. Read by
crates/denoise-kernel/src/jpeg_check.rs's tests (and checked by scikit-image
here: it must read them back, as it reads any whole JPEG).
"""

import os

import numpy as np
import PIL
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data")
OUT = os.path.join(ROOT, "progressive")


def main():
    os.makedirs(OUT, exist_ok=True)
    photos = os.path.join(ROOT, "photos")
    cases = [
        ("coffee_420.jpg", "coffee.jpg", (120, 60, 440, 300), "RGB", {"subsampling": 2}),
        (
            "astronaut_444_restarts.jpg",
            "astronaut.jpg",
            (100, 40, 356, 232),
            "RGB",
            {"subsampling": 0, "restart_marker_blocks": 7},
        ),
        ("hubble_gray.jpg", "hubble_deep_field.jpg", (400, 300, 700, 520), "L", {}),
    ]
    for name, source, box, mode, options in cases:
        image = Image.open(os.path.join(photos, source)).crop(box).convert(mode)
        path = os.path.join(OUT, name)
        image.save(path, quality=85, progressive=True, optimize=True, **options)
        again = Image.open(path)
        assert again.info.get("progressive") or again.info.get("progression"), name
        np.asarray(again.convert(mode))  # decodes whole
        print(name, again.size, again.mode, os.path.getsize(path), "bytes")
    print("Pillow", PIL.__version__)


if __name__ == "__main__":
    main()
