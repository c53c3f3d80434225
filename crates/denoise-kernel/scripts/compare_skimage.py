"""Times scikit-image's denoise_bilateral against our `bilateral` program on the
same photos, and checks that the Skimage flavour gives scikit-image's numbers.

Needs Python with scikit-image 0.26 (not part of the build):
    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-image==0.26.0
    cargo build --release -p denoise-kernel
    /tmp/skvenv/bin/python crates/denoise-kernel/scripts/compare_skimage.py \
        target/release/bilateral data/noisy/noisy_000.jpg [more photos...]

For each photo it prints both filter times (best of --repeat runs, one core,
filter only: reading and writing excluded on both sides), their ratio, and the
largest difference between the two float64 results.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time

import numpy as np
import skimage.io
from skimage import img_as_float
from skimage.restoration import denoise_bilateral


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bilateral", help="path of the built `bilateral` program")
    parser.add_argument("photos", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        for photo in args.photos:
            pixels = skimage.io.imread(photo)
            # Both sides must filter the same bytes: JPEG decoders may differ,
            # so hand the program the decoded pixels as a lossless PNG.
            png = os.path.join(tmp, "input.png")
            skimage.io.imsave(png, pixels, check_contrast=False)
            image = img_as_float(pixels)

            python_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                expected = denoise_bilateral(image, sigma_color=0.1, sigma_spatial=3, channel_axis=-1)
                python_times.append(time.perf_counter() - start)

            raw = os.path.join(tmp, "output.f64le")
            rust_times = []
            for _ in range(args.repeat):
                line = subprocess.run(
                    [args.bilateral, png, raw], check=True, capture_output=True, text=True
                ).stdout
                rust_times.append(float(re.match(r"Took ([0-9.]+) seconds", line).group(1)))
            ours = np.fromfile(raw, dtype="<f8").reshape(expected.shape)

            py, rs = min(python_times), min(rust_times)
            diff = np.abs(ours - expected).max()
            print(
                f"{photo} {pixels.shape[1]}x{pixels.shape[0]}: scikit-image {py * 1000:.0f} ms, "
                f"bilateral {rs * 1000:.0f} ms, {py / rs:.1f}x faster, max |diff| {diff:.1e}"
            )


if __name__ == "__main__":
    main()
