#!/usr/bin/python3
"""Writes the adversarial data sets of data/adversarial/: inputs on which plain float64 / float32
NTK code goes wrong (see data/README.md, "Adversarial cases", and `certify compare`).

Python 3 standard library only. The output is byte-for-byte reproducible on any platform: the
random numbers come from SplitMix64 (integer arithmetic), every floating-point value is produced by
correctly rounded IEEE operations (+, -, *, /) or by the decimal module (cos, sin and the golden
ratio at 50 digits, then one correctly rounded conversion), and numbers are written with repr(),
the shortest decimal that reads back to the same double. No libm function is used.

Usage: /usr/bin/python3 data/adversarial/make_adversarial.py [OUTPUT_DIR]   (default: this directory)
"""

import decimal
import hashlib
import os
import sys

MASK64 = (1 << 64) - 1


class SplitMix64:
    """The SplitMix64 generator (Steele, Lea, Flood 2014), exactly as in its reference code."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def unit(self):
        """Uniform on [0, 1): a multiple of 2^-53, exact."""
        return (self.next_u64() >> 11) * 2.0 ** -53

    def symmetric(self):
        """Uniform on [-1, 1): a multiple of 2^-52, exact."""
        return (self.next_u64() >> 11) * 2.0 ** -52 - 1.0


def write_csv(directory, name, header, rows):
    path = os.path.join(directory, name)
    lines = [",".join(header)] + [",".join(repr(v) for v in row) for row in rows]
    data = ("\n".join(lines) + "\n").encode("ascii")
    with open(path, "wb") as f:
        f.write(data)
    print(f"{hashlib.sha256(data).hexdigest()}  {name}  ({len(rows)} rows x {len(header)} columns)")


def near_duplicates(directory, eps_text, seed):
    """10 random points x_i in [-1, 1)^8 and, after each, a partner x_i + eps * v_i with v_i in
    [-1, 1)^8, so ||partner - x_i|| is about eps * ||x_i||: N = 20 rows, d = 8."""
    eps = float(eps_text)
    g = SplitMix64(seed)
    rows = []
    for _ in range(10):
        x = [g.symmetric() for _ in range(8)]
        v = [g.symmetric() for _ in range(8)]
        rows.append(x)
        rows.append([a + eps * b for a, b in zip(x, v)])
    write_csv(directory, f"near-duplicates-{eps_text}.csv", [f"x{k}" for k in range(8)], rows)


def collinear(directory):
    """50 nearly collinear points x_k = e_1 + t_k * 1e-7 * e_2, t_k uniform in [0, 1): all within
    an angle of 1e-7 of each other (N = 50, d = 2). And the evenly spaced variant t_k = k
    (spacing 1e-7, spread 4.9e-6)."""
    g = SplitMix64(2)
    rows = [[1.0, g.unit() * 1e-7] for _ in range(50)]
    write_csv(directory, "collinear-50.csv", ["x0", "x1"], rows)
    rows = [[1.0, k * 1e-7] for k in range(50)]
    write_csv(directory, "collinear-grid-50.csv", ["x0", "x1"], rows)


def dec_cos_sin(t):
    """cos and sin of the Decimal t (|t| <= 7) by their Taylor series, at the context precision."""
    c, s = decimal.Decimal(0), decimal.Decimal(0)
    term = decimal.Decimal(1)  # t^k / k!
    k = 0
    while True:
        if k % 4 == 0:
            c += term
        elif k % 4 == 1:
            s += term
        elif k % 4 == 2:
            c -= term
        else:
            s -= term
        k += 1
        term = term * t / k
        if k > 10 and abs(term) < decimal.Decimal(10) ** -60:
            return c, s


def cone(directory):
    """2000 points on a circle of radius 0.1 around e_1: x_k = (1, 0.1 cos a_k, 0.1 sin a_k),
    a_k = 2 pi frac(k phi) (golden-angle sequence, phi = (sqrt 5 - 1)/2), so that every prefix of
    N rows is evenly spread around the circle (angular gaps about 2 pi / N). Pairwise angles are at
    most about 0.2 rad; with --limit N the smallest eigenvalue falls like 1/N while the largest
    grows like N."""
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        phi = (decimal.Decimal(5).sqrt() - 1) / 2
        pi = decimal.Decimal(
            "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863")
        radius = decimal.Decimal("0.1")
        rows = []
        for k in range(2000):
            frac = (k * phi) % 1
            c, s = dec_cos_sin(2 * pi * frac)  # argument in [0, 2 pi)
            rows.append([1.0, float(radius * c), float(radius * s)])
    write_csv(directory, "cone-2000.csv", ["x0", "x1", "x2"], rows)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(directory, exist_ok=True)
    for eps in ("1e-6", "1e-8", "1e-10"):  # same points and directions, only eps differs
        near_duplicates(directory, eps, 1)
    collinear(directory)
    cone(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
