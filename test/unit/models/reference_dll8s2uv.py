#!/usr/bin/env python3
"""Independent numpy reference for the DL-L8S2-UV U-Net (Keras 2.2.4 HDF5 weights).

Written from the layer structure (not from our converter): channels-last float64 arithmetic,
weights read with h5py by the names Keras records in `weight_names`.

usage: reference_dll8s2uv.py WEIGHTS.hdf5 INPUT.f32 C H W OUTPUT.f32 [logits]
INPUT.f32 is little-endian float32 in (C, H, W) order (reflectance); OUTPUT.f32 gets the
(H, W) cloud probability (or, with `logits`, the value before the sigmoid) as little-endian
float32. Only stdlib + numpy + h5py.
"""
import sys

import h5py
import numpy as np


def layer_weights(root, layer):
    group = root[layer]
    out = {}
    for raw in group.attrs["weight_names"]:
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        short = name.split("/")[-1].split(":")[0]
        out[short] = np.asarray(group[name], dtype=np.float64)
    return out


def conv1x1(x, kernel, bias):
    # kernel (1, 1, in, out)
    return x @ kernel[0, 0] + bias


def separable3x3(x, w):
    # depthwise (3, 3, C, 1), 'same' zero padding (1 each side for a 3x3 kernel), stride 1
    h, wd, _ = x.shape
    xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    dk = w["depthwise_kernel"][:, :, :, 0]
    acc = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            acc += xp[i : i + h, j : j + wd, :] * dk[i, j, :]
    return acc @ w["pointwise_kernel"][0, 0] + w["bias"]


def batchnorm(x, w, eps=1e-3):
    return (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + eps) * w["gamma"] + w["beta"]


def block(x, root, name):
    for k in (1, 2):
        x = separable3x3(x, layer_weights(root, f"{name}_conv_{k}"))
        x = np.maximum(batchnorm(x, layer_weights(root, f"{name}_bn_{k}")), 0.0)
    return x


def maxpool2(x):
    h, w, c = x.shape
    return x[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))


def upconv2x2(x, w):
    # Conv2DTranspose 2x2 stride 2: each input pixel spreads over a 2x2 output block.
    kernel = w["kernel"]  # (2, 2, out, in)
    h, wd, _ = x.shape
    out = np.zeros((2 * h, 2 * wd, kernel.shape[2]))
    for i in range(2):
        for j in range(2):
            out[i::2, j::2, :] = x @ kernel[i, j].T
    return out + w["bias"]


def forward(root, x, logits_only=False):
    norm = layer_weights(root, "normalization")
    x = conv1x1(x, norm["kernel"], norm["bias"])
    c1 = block(x, root, "input")
    c2 = block(maxpool2(c1), root, "pool1")
    c3 = block(maxpool2(c2), root, "pool2")
    u1 = np.concatenate([upconv2x2(c3, layer_weights(root, "upconv1")), c2], axis=-1)
    u1 = block(u1, root, "up1")
    u2 = np.concatenate([upconv2x2(u1, layer_weights(root, "upconv2")), c1], axis=-1)
    u2 = block(u2, root, "up2")
    lin = layer_weights(root, "linear_model")
    logits = conv1x1(u2, lin["kernel"], lin["bias"])[:, :, 0]
    if logits_only:
        return logits
    return 1.0 / (1.0 + np.exp(-logits))


def main(argv):
    weights, inp, c, h, w, outp = argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5]), argv[6]
    x = np.fromfile(inp, dtype="<f4").astype(np.float64).reshape(c, h, w).transpose(1, 2, 0)
    with h5py.File(weights, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        prob = forward(root, x, logits_only=len(argv) > 7 and argv[7] == "logits")
    prob.astype("<f4").tofile(outp)


if __name__ == "__main__":
    main(sys.argv)
