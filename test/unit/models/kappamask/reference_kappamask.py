#!/usr/bin/env python3
"""Independent numpy forward pass of the KappaMask U-Net, reading a Keras HDF5 file with h5py.

Written from the architecture (kappazeta/km_predict architectures.py, class Unet), not from our
converter: channels-last float64 arithmetic; the wiring is fixed here and only the weights (by
the layer names tf.keras gives them in a fresh session) come from the file. Works for any
filter count, so files made with make_weights.py --width-scale run too.

usage: reference_kappamask.py WEIGHTS.hdf5 INPUT.f32 C H W OUTPUT.f32 [logits]
INPUT.f32: little-endian float32 (C, H, W), already normalised. OUTPUT.f32: (K, H, W) softmax
probabilities, or with `logits` the values before the softmax, little-endian float32.
H and W must be multiples of 16.
"""
import sys

import h5py
import numpy as np


def weights(root, layer):
    group = root[layer]
    out = {}
    for raw in group.attrs["weight_names"]:
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        out[name.split("/")[-1].split(":")[0]] = np.asarray(group[name], dtype=np.float64)
    return out


def conv_same(x, w):
    """Stride-1 'same' convolution as TensorFlow pads it: (k-1)//2 before, the rest after."""
    kernel, bias = w["kernel"], w["bias"]  # kernel (kh, kw, in, out)
    kh, kw = kernel.shape[:2]
    h, wd, _ = x.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    xp = np.pad(x, ((top, kh - 1 - top), (left, kw - 1 - left), (0, 0)))
    acc = np.zeros((h, wd, kernel.shape[3]))
    for i in range(kh):
        for j in range(kw):
            acc += xp[i : i + h, j : j + wd, :] @ kernel[i, j]
    return acc + bias


def relu(x):
    return np.maximum(x, 0.0)


def maxpool2(x):
    h, w, c = x.shape
    return x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))


def upsample2(x):
    return np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)


def forward(root, x):
    """Returns the pre-softmax values (H, W, K)."""
    n = iter(range(24))

    def conv(t):
        i = next(n)
        return conv_same(t, weights(root, "conv2d" if i == 0 else f"conv2d_{i}"))

    skips = []
    t = x
    for level in range(5):
        if level > 0:
            t = maxpool2(t)
        t = relu(conv(t))
        t = relu(conv(t))  # Dropout (levels 4 and 5) is the identity at inference
        skips.append(t)
    t = skips.pop()
    for _ in range(4):
        up = relu(conv(upsample2(t)))  # UpSampling2D then the 2x2 'same' convolution
        t = np.concatenate([skips.pop(), up], axis=-1)  # skip first, as architectures.py
        t = relu(conv(t))
        t = relu(conv(t))
    t = relu(conv(t))  # the 2-filter 3x3 convolution
    return conv(t)  # 1x1 to the classes, before its softmax


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main(argv):
    path, inp, c, h, w, outp = argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6]
    x = np.fromfile(inp, dtype="<f4").astype(np.float64).reshape(c, h, w).transpose(1, 2, 0)
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        z = forward(root, x)
    y = z if len(argv) > 7 and argv[7] == "logits" else softmax(z)
    y.transpose(2, 0, 1).astype("<f4").tofile(outp)


if __name__ == "__main__":
    main(sys.argv)
