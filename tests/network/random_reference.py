#!/usr/bin/env python3
"""Independent transcription of the random: network generator documented in lib/network/load.hpp
(and the normal stream of lib/data/synthetic.hpp). Python floats are IEEE doubles with correctly
rounded + - * / and math.sqrt, so the weights must agree bit for bit with the C++ ones.
Usage: random_reference.py n0,n1,...,nL he|lecun|normal SEED -> one line per layer, the entries of
W_l (out x in, row-major) as float.hex()."""

import math
import sys

MASK = 0xFFFFFFFFFFFFFFFF
DOMAIN = int.from_bytes(b"network1", "big")  # 0x6E6574776F726B31


class SplitMix:
    def __init__(self, state):
        self.state = state

    def __call__(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) & MASK) | (x >> (64 - k))


def xoshiro(words):
    s0, s1, s2, s3 = words
    while True:
        out = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        yield out


def log_ieee(x):
    """deterministic_log: frexp, then 2 atanh((m-1)/(m+1)) by its series, plus e ln 2 (split)."""
    m, e = math.frexp(x)
    if m < 0.70710678118654752:
        m, e = m * 2, e - 1
    s = (m - 1) / (m + 1)
    s2 = s * s
    acc = 1.0 / 23
    for k in (10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0):
        acc = acc * s2 + 1.0 / (2 * k + 1)
    hi = float.fromhex("0x1.62e42feep-1")
    lo = float.fromhex("0x1.a39ef35793c76p-33")
    return e * hi + (e * lo + 2 * s * acc)


def normals(seed, stream, count):
    first = SplitMix(seed)()
    sm = SplitMix(first ^ ((stream * 0xD1B54A32D192ED03) & MASK) ^ DOMAIN)
    gen = xoshiro([sm() for _ in range(4)])
    out = []
    while len(out) < count:
        while True:
            u = 2 * ((next(gen) >> 11) * 2.0 ** -53) - 1
            v = 2 * ((next(gen) >> 11) * 2.0 ** -53) - 1
            s = u * u + v * v
            if 0 < s < 1:
                break
        f = math.sqrt(-2 * log_ieee(s) / s)
        out.append(u * f)
        out.append(v * f)
    return out[:count]


def main():
    widths = [int(w) for w in sys.argv[1].split(",")]
    init = sys.argv[2]
    seed = int(sys.argv[3])
    for l in range(1, len(widths)):
        n_in, n_out = widths[l - 1], widths[l]
        z = normals(seed, l - 1, n_in * n_out)
        if init == "normal":
            w = z
        else:
            beta = math.sqrt((2.0 if init == "he" else 1.0) / n_in)
            w = [beta * x for x in z]
        print(" ".join(x.hex() for x in w))


main()
