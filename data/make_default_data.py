#!/usr/bin/env python3
"""Writes data/fashion-mnist-test-500.csv: the first 500 images of the Fashion-MNIST test set as
raw integer pixels 0..255 (784 columns, header p0..p783), from the Debian package
dataset-fashion-mnist. Standard library only; the output is byte-for-byte reproducible."""

import gzip
import os
import struct
import sys

SOURCE = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
ROWS = 500


def main() -> int:
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-test-500.csv")
    with gzip.open(SOURCE, "rb") as f:
        magic, n, r, c = struct.unpack(">IIII", f.read(16))
        if magic != 0x00000803:
            sys.exit(f"{SOURCE}: unexpected IDX magic {magic:#010x}")
        if n < ROWS or (r, c) != (28, 28):
            sys.exit(f"{SOURCE}: unexpected shape {n}x{r}x{c}")
        pixels = f.read(ROWS * r * c)
        if len(pixels) != ROWS * r * c:
            sys.exit(f"{SOURCE}: truncated")
    d = r * c
    lines = [",".join(f"p{k}" for k in range(d))]
    for i in range(ROWS):
        lines.append(",".join(str(v) for v in pixels[i * d:(i + 1) * d]))
    with open(out, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {out}: {ROWS} rows x {d} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
