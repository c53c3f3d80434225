# denoise_serial.py: Exercise 1, serial (section 3.2), in Python 3 and today's scikit-image
# (skimage.filter is now skimage.restoration; sigma_range is now sigma_color).
# Run from the repository root, after target/release/make-noisy has made data/noisy/:
#   python3 workshop-notes/python/denoise_serial.py [NOISY_DIR [DENOISED_DIR]]
#   (pip install scikit-image; writes target/denoised-python/ by default)
import os
import sys
import time

import skimage.io
from skimage import img_as_float, img_as_ubyte
from skimage.restoration import denoise_bilateral

noisyDir = sys.argv[1] if len(sys.argv) > 1 else os.path.join('data', 'noisy')
denoisedDir = sys.argv[2] if len(sys.argv) > 2 else os.path.join('target', 'denoised-python')


def loop(imgFiles):
    for f in imgFiles:
        img = img_as_float(skimage.io.imread(os.path.join(noisyDir, f)))
        startTime = time.time()
        img = denoise_bilateral(img, sigma_color=0.1, sigma_spatial=3, channel_axis=-1)
        skimage.io.imsave(os.path.join(denoisedDir, f), img_as_ubyte(img))
        print("Took %f seconds for %s" % (time.time() - startTime, f))


def serial():
    total_start_time = time.time()
    os.makedirs(denoisedDir, exist_ok=True)
    imgFiles = sorted(x for x in os.listdir(noisyDir) if x.endswith('.jpg'))
    loop(imgFiles)
    print("Total time %f seconds" % (time.time() - total_start_time))


if __name__ == '__main__':
    serial()
