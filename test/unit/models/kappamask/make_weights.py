#!/usr/bin/env python3
"""Writes a KappaMask-shaped Keras 2.x HDF5 model file with random (seeded) weights.

KappaMask's U-Net (kappazeta/km_predict, architectures.py, class Unet; Apache-2.0) as tf.keras
builds it: input 'input' (512, 512, C); two 3x3 'same' ReLU convolutions per level with 64, 128,
256, 512, 1024 filters, 2x2 max pooling between levels, Dropout(0.5) after the 512 and 1024
levels; on the way up UpSampling2D(2) then a 2x2 'same' ReLU convolution, concatenation (axis 3)
with the skip, two 3x3 convolutions; then an extra 3x3 convolution with 2 filters (ReLU) and a
1x1 convolution with one filter per class and softmax. km_predict constructs it with 13 input
features and 6 classes (UNDEFINED, CLEAR, CLOUD_SHADOW, SEMI_TRANSPARENT_CLOUD, CLOUD, MISSING).

Layer names are tf.keras's automatic ones for a fresh session (conv2d, conv2d_1, ...,
max_pooling2d, dropout, up_sampling2d, concatenate...). The file has the layout `model.save`
writes: root attributes keras_version, backend, model_config (JSON, class Functional),
group model_weights with layer_names, and per layer `<layer>/<layer>/kernel:0` datasets listed in
weight_names. With --weights-only it has the `save_weights` layout instead (no model_config,
layers at the root), which is what km_predict's ModelCheckpoint(save_weights_only=True) wrote.
With --config-only it writes the model_config JSON alone (no weights): the Keras config a card
ships for such weights-only files (native-models/kappamask-*/keras-config.json). With
--models-before K the layers are named as in a session that built K KappaMask models before
(conv2d_24, ... for K = 1), as a checkpoint saved from such a session has them.

Only numpy + h5py; no TensorFlow. Written from the architecture description, not from our converter.

usage: make_weights.py OUT.hdf5 [--channels 13] [--classes 6] [--width-scale 8] [--seed 1]
                       [--size 512] [--logit-gain 1] [--weights-only] [--models-before K]
       make_weights.py OUT.json --config-only [--channels 13] [--classes 6] [--width-scale 8]
"""
import argparse
import json

import numpy as np

KERAS_VERSION = "2.4.0"


class Builder:
    """Collects layers in creation order, naming them as tf.keras does (per class, counting up)."""

    def __init__(self):
        self.layers = []
        self.counts = {}

    def name(self, base):
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def add(self, class_name, base, config, inbound, name=None):
        layer_name = name or self.name(base)
        cfg = {"name": layer_name, "trainable": True, "dtype": "float32", **config}
        nodes = [] if inbound is None else [[[src, 0, 0, {}] for src in inbound]]
        self.layers.append(
            {"class_name": class_name, "config": cfg, "name": layer_name, "inbound_nodes": nodes}
        )
        return layer_name


def conv_config(filters, kernel, activation):
    return {
        "filters": filters,
        "kernel_size": [kernel, kernel],
        "strides": [1, 1],
        "padding": "same",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


def pool_config():
    return {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last"}


def build(size, channels, classes, scale, b=None):
    """The KappaMask U-Net as a list of Keras layer configs; returns (layers, conv shapes).
    A Builder that already named other layers continues their numbering."""
    f = [max(1, n // scale) for n in (64, 128, 256, 512, 1024)]
    b = b or Builder()
    b.layers = []
    convs = {}

    def conv(filters, kernel, x, activation="relu"):
        name = b.add("Conv2D", "conv2d", conv_config(filters, kernel, activation), [x])
        convs[name] = (kernel, filters)
        return name

    def pool(x):
        return b.add("MaxPooling2D", "max_pooling2d", pool_config(), [x])

    def dropout(x):
        return b.add("Dropout", "dropout", {"rate": 0.5, "noise_shape": None, "seed": None}, [x])

    def up(filters, x):
        # architectures.py creates the 2x2 Conv2D before the UpSampling2D it is applied to,
        # so the convolution takes the lower number; layers are still listed in call order.
        conv_name = b.name("conv2d")
        up_name = b.add(
            "UpSampling2D",
            "up_sampling2d",
            {"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"},
            [x],
        )
        b.add("Conv2D", None, conv_config(filters, 2, "relu"), [up_name], name=conv_name)
        convs[conv_name] = (2, filters)
        return conv_name

    def concat(a, c):
        return b.add("Concatenate", "concatenate", {"axis": 3}, [a, c])

    inp = b.add(
        "InputLayer",
        None,
        {"batch_input_shape": [None, size, size, channels], "sparse": False, "ragged": False},
        None,
        name="input",
    )
    c1 = conv(f[0], 3, conv(f[0], 3, inp))
    c2 = conv(f[1], 3, conv(f[1], 3, pool(c1)))
    c3 = conv(f[2], 3, conv(f[2], 3, pool(c2)))
    d4 = dropout(conv(f[3], 3, conv(f[3], 3, pool(c3))))
    d5 = dropout(conv(f[4], 3, conv(f[4], 3, pool(d4))))
    x = conv(f[3], 3, conv(f[3], 3, concat(d4, up(f[3], d5))))
    x = conv(f[2], 3, conv(f[2], 3, concat(c3, up(f[2], x))))
    x = conv(f[1], 3, conv(f[1], 3, concat(c2, up(f[1], x))))
    x = conv(f[0], 3, conv(f[0], 3, concat(c1, up(f[0], x))))
    x = conv(2, 3, x)
    out = conv(classes, 1, x, activation="softmax")
    return b.layers, convs, inp, out


def model_config(layers, inp, out):
    return {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": layers,
            "input_layers": [[inp, 0, 0]],
            "output_layers": [[out, 0, 0]],
        },
    }


def random_weights(layers, convs, channels, seed, logit_gain):
    """He-normal kernels (as KappaMask's kernel_initializer) and small random biases; the last
    kernel is multiplied by logit_gain so that random weights give a softmax that varies."""
    rng = np.random.default_rng(seed)
    depth = {"input": channels}
    weights = {}
    for layer in layers:
        name = layer["name"]
        srcs = [n[0] for n in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
        if layer["class_name"] == "Conv2D":
            k, filters = convs[name]
            cin = depth[srcs[0]]
            std = np.sqrt(2.0 / (k * k * cin))
            if layer is layers[-1]:
                std *= logit_gain
            kernel = rng.normal(0.0, std, size=(k, k, cin, filters)).astype("<f4")
            bias = rng.normal(0.0, 0.05, size=(filters,)).astype("<f4")
            weights[name] = [("kernel:0", kernel), ("bias:0", bias)]
            depth[name] = filters
        elif layer["class_name"] == "Concatenate":
            depth[name] = sum(depth[s] for s in srcs)
        elif srcs:
            depth[name] = depth[srcs[0]]
    return weights


def write(path, layers, weights, config, weights_only):
    import h5py  # only here: --config-only needs numpy alone

    with h5py.File(path, "w") as f:
        if weights_only:
            root = f
        else:
            f.attrs["backend"] = b"tensorflow"
            f.attrs["keras_version"] = KERAS_VERSION.encode()
            f.attrs["model_config"] = json.dumps(config).encode("utf8")
            root = f.create_group("model_weights")
        root.attrs["backend"] = b"tensorflow"
        root.attrs["keras_version"] = KERAS_VERSION.encode()
        root.attrs["layer_names"] = np.array([l["name"].encode() for l in layers])
        for layer in layers:
            name = layer["name"]
            g = root.create_group(name)
            ws = weights.get(name, [])
            # Keras writes np.asarray(list): an empty float64 array for layers without weights.
            g.attrs["weight_names"] = (
                np.array([f"{name}/{w}".encode() for w, _ in ws]) if ws else np.asarray([])
            )
            for wname, value in ws:
                g.create_dataset(f"{name}/{wname}", data=value)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--channels", type=int, default=13)
    p.add_argument("--classes", type=int, default=6)
    p.add_argument("--width-scale", type=int, default=1, help="divide every filter count by this")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--size", type=int, default=512, help="input side in the config (KappaMask: 512)")
    p.add_argument("--logit-gain", type=float, default=1.0, help="scale of the last kernel")
    p.add_argument("--weights-only", action="store_true", help="save_weights layout, no model_config")
    p.add_argument("--config-only", action="store_true", help="write the model_config JSON only")
    p.add_argument("--models-before", type=int, default=0, help="name layers as after K models")
    a = p.parse_args()
    b = Builder()
    for _ in range(a.models_before):
        build(a.size, a.channels, a.classes, a.width_scale, b)
    layers, convs, inp, out = build(a.size, a.channels, a.classes, a.width_scale, b)
    if a.config_only:
        with open(a.out, "w", encoding="utf8") as f:
            json.dump(model_config(layers, inp, out), f, indent=1)
            f.write("\n")
        print(f"{a.out}: Keras config, {len(layers)} layers")
        return
    weights = random_weights(layers, convs, a.channels, a.seed, a.logit_gain)
    write(a.out, layers, weights, model_config(layers, inp, out), a.weights_only)
    params = sum(w.size for ws in weights.values() for _, w in ws)
    print(f"{a.out}: {len(layers)} layers, {params} parameters")


if __name__ == "__main__":
    main()
