#!/usr/bin/env python3
"""Writes the network files of the network test suite into DIR, with numpy, scipy.io and a
safetensors writer of its own (struct + json), and prints a manifest on stdout:

  good<TAB>FILE<TAB>LAYOUT<TAB>n0,n1,...,nL<TAB>0|1 (biases)<TAB>sha256 of the file
  W<TAB>hex hex ...      (W_l, out x in, row-major, as float.hex) one line per layer
  b<TAB>hex hex ...      (b_l) one line per layer when the network has biases
  end
  bad<TAB>FILE<TAB>LAYOUT<TAB>PART<TAB>PART...   (network_load must throw data_error containing
                                                 the file name and every PART)

The expected values are computed here, independently of the C++ readers: float32/float16 arrays are
widened by numpy, bfloat16 by placing its bits in the upper half of a float32."""

import hashlib
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np
import scipy.io as sio

out_dir = sys.argv[1]
rng = np.random.default_rng(20261203)
lines = []


def path(name):
    return os.path.join(out_dir, name)


def sha(name):
    with open(path(name), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def hexes(a):
    return " ".join(float(x).hex() for x in np.asarray(a, dtype=np.float64).ravel(order="C"))


def good(name, layout, Ws, bs=None):
    """Ws: the expected W_l (out x in) as float64 arrays; bs: the expected b_l or None."""
    widths = [Ws[0].shape[1]] + [W.shape[0] for W in Ws]
    lines.append("\t".join(["good", name, layout, ",".join(map(str, widths)),
                            "1" if bs is not None else "0", sha(name)]))
    for W in Ws:
        lines.append("W\t" + hexes(W))
    if bs is not None:
        for b in bs:
            lines.append("b\t" + hexes(b))
    lines.append("end")


def bad(name, layout, *parts):
    lines.append("\t".join(["bad", name, layout] + list(parts)))


def normal(*shape):
    return rng.standard_normal(shape)


# ---------------------------------------------------------------- npz
W = [normal(4, 3), normal(2, 4), normal(1, 2)]
b = [normal(4), normal(2), normal(1)]
np.savez(path("f64.npz"), W1=W[0], W2=W[1], W3=W[2], b1=b[0], b2=b[1], b3=b[2])
good("f64.npz", "detect", W, b)
good("f64.npz", "out-in", W, b)
bad("f64.npz", "in-out", "array W2", "does not chain", "W1")

W32 = [normal(5, 3).astype(np.float32), normal(2, 5).astype(np.float32)]
np.savez_compressed(path("f32c.npz"), W1=W32[0], W2=W32[1])
good("f32c.npz", "detect", [w.astype(np.float64) for w in W32])

# Fortran order, float32 and float16 members, biases stored as column / row matrices.
Wf = [np.asfortranarray(normal(3, 2)), np.asfortranarray(normal(4, 3).astype(np.float32)),
      normal(2, 4).astype(np.float16)]
bf = [normal(3, 1), normal(1, 4).astype(np.float32), normal(2).astype(np.float16)]
np.savez(path("fortran.npz"), W1=Wf[0], W2=Wf[1], W3=Wf[2], b1=bf[0], b2=bf[1], b3=bf[2])
good("fortran.npz", "detect", [w.astype(np.float64) for w in Wf],
     [x.astype(np.float64).ravel() for x in bf])

# Big-endian members.
Wbe = [normal(3, 4).astype(">f8"), normal(2, 3).astype(">f4")]
np.savez(path("bigendian.npz"), W1=Wbe[0], W2=Wbe[1])
good("bigendian.npz", "detect", [w.astype(np.float64) for w in Wbe])

# scikit-learn's coefs_ layout (in x out): detected, and forced.
Wio = [normal(3, 5), normal(5, 2)]
bio = [normal(5), normal(2)]
np.savez(path("inout.npz"), W1=Wio[0], W2=Wio[1], b1=bio[0], b2=bio[1])
good("inout.npz", "detect", [w.T for w in Wio], bio)
good("inout.npz", "in-out", [w.T for w in Wio], bio)
bad("inout.npz", "out-in", "inout.npz", "array W2", "(5, 2)", "does not chain with W1 of shape (3, 5)")

# A bias left out is the zero vector.
Wp = [normal(4, 3), normal(2, 4)]
bp = normal(4)
np.savez(path("partialbias.npz"), W1=Wp[0], W2=Wp[1], b1=bp)
good("partialbias.npz", "detect", Wp, [bp, np.zeros(2)])

# Square matrices chain both ways: refused unless --layout says which.
Wsq = [normal(3, 3), normal(3, 3)]
np.savez(path("square.npz"), W1=Wsq[0], W2=Wsq[1])
bad("square.npz", "detect", "ambiguous", "--layout")
good("square.npz", "out-in", Wsq)
good("square.npz", "in-out", [w.T for w in Wsq])

# One layer: ambiguous without a bias, decided by the bias length with one.
W1l = normal(2, 3)
np.savez(path("onelayer.npz"), W1=W1l)
bad("onelayer.npz", "detect", "ambiguous")
good("onelayer.npz", "out-in", [W1l])
b1l = normal(2)
np.savez(path("onelayer_bias.npz"), W1=W1l, b1=b1l)
good("onelayer_bias.npz", "detect", [W1l], [b1l])
b1li = normal(3)
np.savez(path("onelayer_bias_io.npz"), W1=W1l, b1=b1li)
good("onelayer_bias_io.npz", "detect", [W1l.T], [b1li])

# Malformed npz files.
np.savez(path("missing.npz"), W1=normal(4, 3), W3=normal(2, 4))
bad("missing.npz", "detect", "array W2", "missing")
np.savez(path("nochain.npz"), W1=normal(4, 2), W2=normal(3, 5))
bad("nochain.npz", "detect", "array W2: shape (3, 5) does not chain with W1 of shape (4, 2)")
bad("nochain.npz", "out-in", "array W2: shape (3, 5) does not chain with W1 of shape (4, 2)")
x = normal(2, 4)
x[1, 2] = np.nan
np.savez(path("nan.npz"), W1=normal(4, 3), W2=x)
bad("nan.npz", "detect", "array W2", "NaN", "(1, 2)")
x = normal(4)
x[3] = -np.inf
np.savez(path("inf.npz"), W1=normal(4, 3), W2=normal(2, 4), b1=x)
bad("inf.npz", "detect", "array b1", "infinite")
x = normal(4, 3).astype(np.float32)
x[0, 0] = np.inf
np.savez(path("inf32.npz"), W1=x)
bad("inf32.npz", "out-in", "array W1", "infinite")
np.savez(path("zerosize.npz"), W1=np.zeros((0, 3)), W2=normal(2, 4))
bad("zerosize.npz", "detect", "array W1", "zero-size")
np.savez(path("zerobias.npz"), W1=normal(4, 3), b1=np.zeros(0))
bad("zerobias.npz", "detect", "array b1", "zero-size")
np.savez(path("biaslen.npz"), W1=normal(4, 3), W2=normal(2, 4), b1=normal(4), b2=normal(3))
bad("biaslen.npz", "out-in", "array b2", "length 3", "W2 of shape (2, 4)")
bad("biaslen.npz", "detect", "array b2")
np.savez(path("intdtype.npz"), W1=np.ones((4, 3), dtype=np.int64), W2=normal(2, 4))
bad("intdtype.npz", "detect", "array W1", "unsupported dtype", "<i8")
np.savez(path("strings.npz"), W1=normal(4, 3), W2=np.array([["a", "b"]]))
bad("strings.npz", "detect", "array W2", "unsupported dtype")
np.savez(path("objects.npz"), W1=np.array([normal(2, 2), normal(3)], dtype=object))
bad("objects.npz", "detect", "array W1", "unsupported dtype")
np.savez(path("extra.npz"), W1=normal(4, 3), foo=normal(3))
bad("extra.npz", "detect", "unexpected array 'foo'")
np.savez(path("vector.npz"), W1=normal(3))
bad("vector.npz", "detect", "array W1", "(3,)", "2-D")
np.savez(path("bias2d.npz"), W1=normal(4, 3), b1=normal(2, 2))
bad("bias2d.npz", "detect", "array b1", "(2, 2)", "vector")
np.savez(path("orphanbias.npz"), W1=normal(4, 3), b2=normal(2))
bad("orphanbias.npz", "detect", "array b2", "no weight matrix W2")
np.savez(path("noweights.npz"), b1=normal(2))
bad("noweights.npz", "detect", "no weight arrays")
with open(path("notzip.npz"), "wb") as f:
    f.write(b"this is not a zip archive\n")
bad("notzip.npz", "detect", "not a readable .npz")
with open(path("empty.npz"), "wb") as f:
    pass
bad("empty.npz", "detect", "empty")
with open(path("f32c.npz"), "rb") as f:
    whole = f.read()
with open(path("truncated.npz"), "wb") as f:
    f.write(whole[: len(whole) // 2])
bad("truncated.npz", "detect", "truncated.npz")
# A member whose .npy data is cut short (the zip itself is intact).
buf = io.BytesIO()
np.save(buf, normal(4, 3))
with zipfile.ZipFile(path("shortmember.npz"), "w") as z:
    z.writestr("W1.npy", buf.getvalue()[:-8])
bad("shortmember.npz", "detect", "array W1", "truncated")
# A stored member whose bytes were damaged: the CRC check fails.
buf = io.BytesIO()
np.save(buf, normal(4, 3))
with zipfile.ZipFile(path("crc.npz"), "w", compression=zipfile.ZIP_STORED) as z:
    z.writestr("W1.npy", buf.getvalue())
with open(path("crc.npz"), "rb") as f:
    data = bytearray(f.read())
at = data.find(b"\x93NUMPY") + 200
data[at] ^= 0xFF
with open(path("crc.npz"), "wb") as f:
    f.write(bytes(data))
bad("crc.npz", "detect", "array W1")

# ---------------------------------------------------------------- safetensors
def st_write(name, tensors, metadata=True, pad=True):
    """tensors: list of (name, dtype, shape, raw little-endian bytes)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = {"format": "pt"}
    for tname, dtype, shape, raw in tensors:
        header[tname] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def f16_bits(shape):
    """Random binary16 bit patterns, finite, many subnormals and signed zeros among them."""
    n = int(np.prod(shape))
    bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint32)
    bits = np.where((bits >> 10) & 0x1F == 0x1F, bits & 0x83FF, bits)  # no inf/nan: exp 0 instead
    bits[: min(n, 4)] = [0x0001, 0x8000, 0x03FF, 0x7BFF][: min(n, 4)]
    return bits.astype(np.uint16).reshape(shape)


def bf16_bits(shape):
    n = int(np.prod(shape))
    bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint32)
    bits = np.where((bits >> 7) & 0xFF == 0xFF, bits & 0x807F, bits)
    bits[: min(n, 4)] = [0x0001, 0x8000, 0x007F, 0x7F7F][: min(n, 4)]
    return bits.astype(np.uint16).reshape(shape)


def f16_value(bits):
    return bits.astype("<u2").view("<f2").astype(np.float64)


def bf16_value(bits):
    return np.array([struct.unpack("<f", struct.pack("<I", int(v) << 16))[0]
                     for v in bits.ravel()]).reshape(bits.shape)


# nn.Sequential(Linear, ReLU, Linear, ..., Linear): indices 0, 2, ..., 10 (numeric order, not text).
widths = [3, 4, 5, 2, 3, 2, 1]
tensors, Ws, bs = [], [], []
for l in range(6):
    Wl = normal(widths[l + 1], widths[l])
    bl = normal(widths[l + 1])
    Ws.append(Wl)
    bs.append(bl)
    tensors.append((f"net.{2 * l}.weight", "F64", Wl.shape, Wl.astype("<f8").tobytes()))
    tensors.append((f"net.{2 * l}.bias", "F64", bl.shape, bl.astype("<f8").tobytes()))
tensors.reverse()  # the header order does not matter
st_write("seq.safetensors", tensors)
good("seq.safetensors", "detect", Ws, bs)

# Mixed dtypes: F32, F16 (subnormals included), BF16; a layer without bias (zero bias).
W0 = normal(4, 3).astype(np.float32)
b0 = normal(4).astype(np.float32)
W1h = f16_bits((5, 4))
b1h = f16_bits((5,))
W2b = bf16_bits((2, 5))
st_write("mixed.safetensors", [
    ("0.weight", "F32", W0.shape, W0.astype("<f4").tobytes()),
    ("0.bias", "F32", b0.shape, b0.astype("<f4").tobytes()),
    ("2.weight", "F16", W1h.shape, W1h.astype("<u2").tobytes()),
    ("2.bias", "F16", b1h.shape, b1h.astype("<u2").tobytes()),
    ("4.weight", "BF16", W2b.shape, W2b.astype("<u2").tobytes()),
], metadata=False, pad=False)
good("mixed.safetensors", "detect",
     [W0.astype(np.float64), f16_value(W1h), bf16_value(W2b)],
     [b0.astype(np.float64), f16_value(b1h), np.zeros(2)])

# fc1, fc2, fc3 (numbers inside the names), no biases at all.
Wfc = [normal(3, 2), normal(4, 3), normal(1, 4)]
st_write("fc.safetensors", [(f"fc{i + 1}.weight", "F64", w.shape, w.astype("<f8").tobytes())
                            for i, w in enumerate(Wfc)])
good("fc.safetensors", "detect", Wfc)

# Malformed safetensors files.
Wa = normal(4, 3)
Wb = normal(2, 4)
ok_tensors = [("0.weight", "F64", Wa.shape, Wa.astype("<f8").tobytes()),
              ("1.weight", "F64", Wb.shape, Wb.astype("<f8").tobytes())]
st_write("ok.safetensors", ok_tensors)
good("ok.safetensors", "detect", [Wa, Wb])
with open(path("ok.safetensors"), "rb") as f:
    whole = f.read()
with open(path("st_trunc.safetensors"), "wb") as f:
    f.write(whole[:-10])
bad("st_trunc.safetensors", "detect", "array 1.weight", "data_offsets", "truncated")
with open(path("st_trunc_header.safetensors"), "wb") as f:
    f.write(whole[:30])
bad("st_trunc_header.safetensors", "detect", "truncated")
with open(path("st_short.safetensors"), "wb") as f:
    f.write(whole[:5])
bad("st_short.safetensors", "detect", "truncated")
with open(path("st_badjson.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", 6) + b"{nope}")
bad("st_badjson.safetensors", "detect", "malformed safetensors header")
dup = b'{"0.weight": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]}, ' \
      b'"0.weight": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4]}}'
with open(path("st_dupkey.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(dup)) + dup + np.ones(1, "<f4").tobytes())
bad("st_dupkey.safetensors", "detect", "malformed safetensors header", "duplicate key '0.weight'")
st_write("st_i32.safetensors", [("0.weight", "I32", (2, 2), np.ones(4, "<i4").tobytes())])
bad("st_i32.safetensors", "detect", "array 0.weight", "unsupported dtype", "I32")
st_write("st_size.safetensors", [("0.weight", "F32", (2, 3), np.ones(5, "<f4").tobytes())])
bad("st_size.safetensors", "detect", "array 0.weight", "needs 24")
nanbits = f16_bits((2, 4))
nanbits[1, 1] = 0x7E00
st_write("st_nan.safetensors", ok_tensors[:1] + [("1.weight", "F16", (2, 4), nanbits.astype("<u2").tobytes())])
bad("st_nan.safetensors", "detect", "array 1.weight", "NaN")
infbits = bf16_bits((4, 3))
infbits[0, 2] = 0xFF80
st_write("st_inf.safetensors", [("0.weight", "BF16", (4, 3), infbits.astype("<u2").tobytes())])
bad("st_inf.safetensors", "out-in", "array 0.weight", "infinite")
st_write("st_nonumber.safetensors", ok_tensors[:1] + [("out.weight", "F64", Wb.shape, Wb.astype("<f8").tobytes())])
bad("st_nonumber.safetensors", "detect", "out.weight", "no number")
st_write("st_orphanbias.safetensors", ok_tensors + [("3.bias", "F64", (2,), normal(2).astype("<f8").tobytes())])
bad("st_orphanbias.safetensors", "detect", "array 3.bias", "no matching weight")
st_write("st_bn.safetensors", ok_tensors + [("1.running_mean", "F64", (2,), normal(2).astype("<f8").tobytes())])
bad("st_bn.safetensors", "detect", "array 1.running_mean", "not a Linear")
Wc = normal(5, 6)
st_write("st_nochain.safetensors", [ok_tensors[0], ("1.weight", "F64", Wc.shape, Wc.astype("<f8").tobytes())])
bad("st_nochain.safetensors", "detect", "array 1.weight", "(5, 6)", "does not chain", "0.weight", "(4, 3)")
st_write("st_biaslen.safetensors", ok_tensors + [("1.bias", "F64", (3,), normal(3).astype("<f8").tobytes())])
bad("st_biaslen.safetensors", "out-in", "array 1.bias", "length 3")
st_write("st_zero.safetensors", [("0.weight", "F64", (0, 3), b"")])
bad("st_zero.safetensors", "detect", "array 0.weight", "zero-size")
st_write("st_rank3.safetensors", [("0.weight", "F64", (2, 2, 2), normal(8).astype("<f8").tobytes())])
bad("st_rank3.safetensors", "detect", "array 0.weight", "2-D")

# ---------------------------------------------------------------- mat (scipy.io.savemat, v5)
def cell(arrays):
    c = np.empty((1, len(arrays)), dtype=object)
    for i, a in enumerate(arrays):
        c[0, i] = a
    return c


Wm = [normal(5, 3), normal(4, 5).astype(np.float32), normal(1, 4)]
bm = [normal(5), normal(4), normal(1)]
sio.savemat(path("lipsdp.mat"), {"weights": cell(Wm), "biases": cell(bm)})
good("lipsdp.mat", "detect", [w.astype(np.float64) for w in Wm], bm)
sio.savemat(path("lipsdp_z.mat"), {"weights": cell(Wm)}, do_compression=True)
good("lipsdp_z.mat", "detect", [w.astype(np.float64) for w in Wm])
sio.savemat(path("lipsdp_v4style.mat"), {"weights": cell(Wm), "other": np.ones(3)}, format="5",
            oned_as="column")
good("lipsdp_v4style.mat", "detect", [w.astype(np.float64) for w in Wm])
sio.savemat(path("mat_noweights.mat"), {"W": cell(Wm)})
bad("mat_noweights.mat", "detect", "array weights", "missing")
sio.savemat(path("mat_notcell.mat"), {"weights": normal(3, 3)})
bad("mat_notcell.mat", "detect", "array weights", "not a cell array")
sio.savemat(path("mat_char.mat"), {"weights": cell([normal(5, 3), "hello"])})
bad("mat_char.mat", "detect", "weights{2}", "not a double")
sio.savemat(path("mat_complex.mat"), {"weights": cell([normal(5, 3) + 1j * normal(5, 3)])})
bad("mat_complex.mat", "detect", "weights{1}", "complex")
x = normal(4, 5)
x[2, 3] = np.nan
sio.savemat(path("mat_nan.mat"), {"weights": cell([normal(5, 3), x])})
bad("mat_nan.mat", "detect", "weights{2}", "NaN", "(2, 3)")
sio.savemat(path("mat_biascount.mat"), {"weights": cell(Wm), "biases": cell(bm[:2])})
bad("mat_biascount.mat", "detect", "array biases", "2 cells for 3")
sio.savemat(path("mat_biaslen.mat"), {"weights": cell(Wm), "biases": cell([bm[0], normal(3), bm[2]])})
bad("mat_biaslen.mat", "out-in", "biases{2}", "length 3")
sio.savemat(path("mat_nochain.mat"), {"weights": cell([normal(5, 3), normal(4, 6)])})
bad("mat_nochain.mat", "detect", "array weights{2}", "(4, 6)", "does not chain", "weights{1}", "(5, 3)")
sio.savemat(path("mat_empty.mat"), {"weights": cell([normal(5, 3), np.zeros((0, 5))])})
bad("mat_empty.mat", "detect", "weights{2}", "zero-size")
with open(path("mat_garbage.mat"), "wb") as f:
    f.write(b"MATLAB 5.0 MAT-file" + b"\0" * 20)
bad("mat_garbage.mat", "detect", "mat_garbage.mat")

# ---------------------------------------------------------------- other specs
with open(path("net.onnx"), "wb") as f:
    f.write(b"x")
bad("net.onnx", "detect", "unknown network format")
bad("does-not-exist.npz", "detect", "does-not-exist.npz")

print("\n".join(lines))
