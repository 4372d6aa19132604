#!/usr/bin/python3
"""The uncertified float64 baseline for `certify empirical`: the empirical NTK K = J J^T of a ReLU
network on Fashion-MNIST test rows the way numpy code computes it without forming J — forward pass,
backward vectors b_l, and K = sum_k (F_k F_k^T [+1]) * (B_{k+1} B_{k+1}^T) — then
numpy.linalg.eigvalsh. Same data, preprocessing (centre, norm sqrt(d)) and network (an .npz file
with W1..WL out x in, optional b1..bL, as `certify empirical --save-network` writes it)."""
import argparse, gzip, time
import numpy as np

def load_fashion_test(limit, offset):
    with gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    n, r, c = int.from_bytes(raw[4:8], "big"), int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c)
    return x[offset:offset + limit].astype(np.float64) / 255.0

def empirical_ntk(x, Ws, bs):
    L = len(Ws)
    feats, masks = [x], [None]
    h = x
    for l in range(L - 1):
        g = h @ Ws[l].T
        if bs is not None:
            g = g + bs[l]
        masks.append(g > 0)
        h = np.maximum(g, 0.0)
        feats.append(h)
    back = [None] * (L + 1)
    back[L] = np.ones((x.shape[0], 1))
    for l in range(L - 1, 0, -1):
        back[l] = (back[l + 1] @ Ws[l]) * masks[l]
    k = np.zeros((x.shape[0], x.shape[0]))
    for j in range(L):
        f = feats[j] @ feats[j].T
        if bs is not None:
            f = f + 1.0
        k += f * (back[j + 1] @ back[j + 1].T)
    return k

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--network", required=True, help=".npz with W1..WL (out x in), optional b1..bL")
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--offset", type=int, default=0)
    a = p.parse_args()
    t0 = time.perf_counter()
    z = np.load(a.network)
    L = sum(1 for k in z.files if k.startswith("W"))
    Ws = [z[f"W{l}"] for l in range(1, L + 1)]
    bs = [z[f"b{l}"] for l in range(1, L + 1)] if "b1" in z.files else None
    x = load_fashion_test(a.limit, a.offset)
    x = x - x.mean(axis=0)
    d = x.shape[1]
    x = x * (np.sqrt(d) / np.linalg.norm(x, axis=1))[:, None]
    lam = np.linalg.eigvalsh(empirical_ntk(x, Ws, bs))[0]
    print(f"lambda_min {lam!r} seconds {time.perf_counter() - t0:.3f}")

if __name__ == "__main__":
    main()
