"""s2cloudless's get_mask_from_prob with scipy (the oracle for electron/core/models/s2cloudless/postprocess.ts).

Same operations as S2PixelCloudDetector: convolve(prob, disk / disk.sum()) with scipy's default
'reflect' mode, > threshold, then a binary dilation with disk(dilation_size). skimage.morphology.disk
is (X**2 + Y**2 <= r**2) over a (2r+1)^2 grid; written out here since skimage is not installed.

usage: python3 s2cloudless_post_ref.py PROB.f32 HEIGHT WIDTH AVERAGE_OVER DILATION THRESHOLD OUT_PREFIX
writes OUT_PREFIX.avg.f64 (the averaged probability) and OUT_PREFIX.mask.u8 (0/1 after dilation)
"""

import sys

import numpy as np
from scipy.ndimage import binary_dilation, convolve


def disk(r):
    ax = np.arange(-r, r + 1)
    x, y = np.meshgrid(ax, ax)
    return (x**2 + y**2 <= r**2).astype(np.uint8)


def main():
    path, h, w, avg_r, dil_r, thr, out = sys.argv[1:8]
    h, w, avg_r, dil_r, thr = int(h), int(w), int(avg_r), int(dil_r), float(thr)
    prob = np.fromfile(path, dtype=np.float32).reshape(h, w).astype(np.float64)
    if avg_r > 0:
        k = disk(avg_r)
        avg = convolve(prob, k / np.sum(k))
    else:
        avg = prob
    mask = avg > thr
    if dil_r > 0:
        mask = binary_dilation(mask, structure=disk(dil_r).astype(bool))
    avg.astype(np.float64).tofile(out + ".avg.f64")
    mask.astype(np.uint8).tofile(out + ".mask.u8")


if __name__ == "__main__":
    main()
