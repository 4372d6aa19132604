#!/usr/bin/env python3
"""Independent transcription of the synthetic:sphere generator documented in lib/data/synthetic.hpp.
Python floats are IEEE doubles with correctly rounded + - * / and math.sqrt, so this must reproduce
the C++ rows bit for bit. Usage: sphere_reference.py SEED ROW D -> D lines of float.hex()."""

import math
import sys

M64 = (1 << 64) - 1


def splitmix64_next(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro:
    def __init__(self, s):
        self.s = list(s)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def det_log(x):
    m, e = math.frexp(x)
    if m < 0.70710678118654752:
        m *= 2
        e -= 1
    s = (m - 1) / (m + 1)
    s2 = s * s
    p = 1.0 / 23
    for k in range(10, -1, -1):
        p = p * s2 + 1.0 / (2 * k + 1)
    ln_m = 2 * s * p
    de = float(e)
    return de * float.fromhex("0x1.62e42feep-1") + (de * float.fromhex("0x1.a39ef35793c76p-33") + ln_m)


def row(seed, i, d):
    _, t = splitmix64_next(seed)
    state = t ^ ((i * 0xD1B54A32D192ED03) & M64)
    words = []
    for _ in range(4):
        state, w = splitmix64_next(state)
        words.append(w)
    rng = Xoshiro(words)

    def uniform():
        return 2 * (float(rng.next() >> 11) * 2.0 ** -53) - 1

    while True:
        out = [0.0] * d
        for k in range(0, d, 2):
            while True:
                u = uniform()
                v = uniform()
                s = u * u + v * v
                if 0 < s < 1:
                    break
            f = math.sqrt(-2 * det_log(s) / s)
            out[k] = u * f
            if k + 1 < d:
                out[k + 1] = v * f
        norm2 = 0.0
        for z in out:
            norm2 += z * z
        if norm2 > 0:
            r = math.sqrt(float(d) / norm2)
            return [z * r for z in out]


if __name__ == "__main__":
    seed, i, d = (int(a) for a in sys.argv[1:4])
    for v in row(seed, i, d):
        print(v.hex())
