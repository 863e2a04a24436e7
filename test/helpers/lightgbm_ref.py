"""Independent LightGBM text-model evaluator (numpy), the oracle for electron/core/models/lightgbm.

Written from LightGBM's documented text format and Tree::NumericalDecision, sharing no code with
the TypeScript evaluator: it parses the model file itself and walks every tree for all pixels
at once with numpy masks.

usage: python3 lightgbm_ref.py MODEL.txt INPUT.f32 COUNT OUTPUT.f64
  INPUT.f32  float32, pixel-major: COUNT rows of (max_feature_idx + 1) features
  OUTPUT.f64 float64, 2 x COUNT: raw scores, then probabilities (raw again if not binary)
"""

import sys

import numpy as np

ZERO = np.float64(np.float32(1e-35))


def parse(path):
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    header, trees, cur = {}, [], None
    for line in lines:
        if line == "end of trees":
            break
        if not line or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key == "Tree":
            cur = {}
            trees.append(cur)
        elif cur is None:
            header[key] = value
        else:
            cur[key] = value
    nfeat = int(header["max_feature_idx"]) + 1
    sigmoid = None
    obj = header.get("objective", "").split()
    if obj and obj[0] == "binary":
        sigmoid = 1.0
        for p in obj[1:]:
            if p.startswith("sigmoid:"):
                sigmoid = float(p.split(":", 1)[1])
    parsed = []
    for t in trees:
        leaves = int(t["num_leaves"])
        if int(t.get("num_cat", "0")) > 0:
            raise SystemExit("categorical")
        tree = {"leaf_value": np.array([float(v) for v in t["leaf_value"].split()], dtype=np.float64)}
        if leaves > 1:
            tree["feature"] = np.array([int(v) for v in t["split_feature"].split()])
            tree["threshold"] = np.array([float(v) for v in t["threshold"].split()], dtype=np.float64)
            dt = np.array([int(v) for v in t["decision_type"].split()])
            tree["default_left"] = (dt & 2) != 0
            tree["missing"] = (dt >> 2) & 3
            tree["left"] = np.array([int(v) for v in t["left_child"].split()])
            tree["right"] = np.array([int(v) for v in t["right_child"].split()])
        parsed.append(tree)
    return nfeat, sigmoid, parsed


def predict_tree(tree, x):
    n = x.shape[0]
    if "feature" not in tree:
        return np.full(n, tree["leaf_value"][0])
    node = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    while active.size:
        g = node[active]
        v = x[active, tree["feature"][g]].astype(np.float64)
        mt = tree["missing"][g]
        v = np.where(np.isnan(v) & (mt != 2), 0.0, v)
        is_missing = ((mt == 1) & (np.abs(v) <= ZERO)) | ((mt == 2) & np.isnan(v))
        go_left = np.where(is_missing, tree["default_left"][g], v <= tree["threshold"][g])
        node[active] = np.where(go_left, tree["left"][g], tree["right"][g])
        active = active[node[active] >= 0]
    return tree["leaf_value"][~node]


def main():
    model, inp, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    nfeat, sigmoid, trees = parse(model)
    x = np.fromfile(inp, dtype=np.float32).reshape(count, nfeat)
    raw = np.zeros(count, dtype=np.float64)
    for tree in trees:
        raw += predict_tree(tree, x)
    prob = raw if sigmoid is None else 1.0 / (1.0 + np.exp(-sigmoid * raw))
    np.concatenate([raw, prob]).astype(np.float64).tofile(out)


if __name__ == "__main__":
    main()
