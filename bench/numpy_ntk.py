#!/usr/bin/python3
"""The uncertified float64 baseline: the depth-L ReLU NTK the way popular numpy code computes it
(Gram, rho = c/sqrt(ab) clipped to [-1, 1], arccos, closed-form recursion) and its smallest
eigenvalue by numpy.linalg.eigvalsh. Same data and preprocessing as `certify ntk`."""
import argparse, gzip, sys, time
import numpy as np

def load_fashion(split, limit, offset):
    name = {"train": "train", "test": "t10k"}[split]
    with gzip.open(f"/usr/share/datasets/fashion-mnist/{name}-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    n, r, c = int.from_bytes(raw[4:8], "big"), int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    x = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c)
    return x[offset:offset + limit].astype(np.float64) / 255.0

def ntk(x, depth):
    g = x @ x.T
    norms = np.sqrt(np.diag(g))
    outer = np.outer(norms, norms)
    k = g.copy()
    rho = np.clip(g / outer, -1.0, 1.0)
    for _ in range(2, depth + 1):
        theta = np.arccos(rho)
        kappa1 = (np.sqrt(1.0 - rho * rho) + (np.pi - theta) * rho) / np.pi
        kappa0 = 1.0 - theta / np.pi
        k = outer * kappa1 + k * kappa0
        rho = np.clip(kappa1, -1.0, 1.0)
    return k

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--split", choices=["train", "test"], default="test")
    a = p.parse_args()
    t0 = time.perf_counter()
    x = load_fashion(a.split, a.limit, a.offset)
    x = x - x.mean(axis=0)
    d = x.shape[1]
    x = x * (np.sqrt(d) / np.linalg.norm(x, axis=1))[:, None]
    lam = np.linalg.eigvalsh(ntk(x, a.depth))[0]
    print(f"lambda_min {lam!r} seconds {time.perf_counter() - t0:.3f}")

if __name__ == "__main__":
    main()
