#!/usr/bin/python3
"""Trains the bundled Fashion-MNIST network and writes it as
data/networks/fashion-mlp-784-500-200-50-10.npz.

The network: scikit-learn's MLPClassifier, ReLU, hidden layers (500, 200, 50), softmax output on
10 classes, so x -> W4 relu(W3 relu(W2 relu(W1 x + b1) + b2) + b3) + b4 (the logits; the softmax
is not part of the stored map). Inputs: Fashion-MNIST pixels / 255 (784 values in [0, 1], the
28x28 image row-major), from the Debian package dataset-fashion-mnist.

The .npz holds W1..W4 in out x in layout (scikit-learn's coefs_[l-1] is in x out: it is
transposed here) and b1..b4, all float64, exactly the doubles scikit-learn trained (no rounding).
Certified statements about "the network" are statements about exactly these doubles.

Training: the full 60000-image training set, Adam (scikit-learn defaults: lr 1e-3, batch 200,
L2 penalty alpha 1e-4), random_state = SEED, a fixed number of epochs MAX_ITER (no early
stopping, so no validation split). Accuracy is measured on the 10000-image test set.
The BLAS is pinned to one thread before numpy is imported, so the floating-point order of the
matrix products does not depend on the machine's core count.

Usage:  /usr/bin/python3 data/networks/make_fashion_mlp.py [OUTPUT.npz]
Prints the test accuracy, the scikit-learn and numpy versions and the SHA-256 of the output.
"""
import os
import sys

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import gzip
import hashlib
import io
import struct
import time
import warnings
import zipfile

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

SEED = 20240607
HIDDEN = (500, 200, 50)
MAX_ITER = 30
DATA_DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "fashion-mlp-784-500-200-50-10.npz")


def read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    got, = struct.unpack(">I", raw[:4])
    if got != magic:
        sys.exit(f"{path}: IDX magic {got:#010x}, expected {magic:#010x}")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: {data.size} bytes of data for shape {dims}")
    return data.reshape(dims)


def load(split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(f"{DATA_DIR}/{prefix}-images-idx3-ubyte.gz", 0x00000803, 3)
    labels = read_idx(f"{DATA_DIR}/{prefix}-labels-idx1-ubyte.gz", 0x00000801, 1)
    if images.shape[1:] != (28, 28) or images.shape[0] != labels.shape[0]:
        sys.exit(f"{split}: unexpected shapes {images.shape}, {labels.shape}")
    # pixels / 255 in binary64 (the division is correctly rounded).
    return images.reshape(images.shape[0], 784).astype(np.float64) / 255.0, labels.astype(np.int64)


def save_npz_atomic(path, arrays):
    """np.savez_compressed into a temporary file in the same directory, then rename. Fixed zip
    timestamps, so the bytes depend on the arrays only."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, a in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(a), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    x_train, y_train = load("train")
    x_test, y_test = load("test")
    clf = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam",
                        alpha=1e-4, batch_size=200, learning_rate_init=1e-3,
                        max_iter=MAX_ITER, shuffle=True, random_state=SEED,
                        early_stopping=False, tol=0.0, n_iter_no_change=MAX_ITER + 1)
    t0 = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epoch count on purpose
        clf.fit(x_train, y_train)
    seconds = time.time() - t0
    train_acc = clf.score(x_train, y_train)
    test_acc = clf.score(x_test, y_test)

    arrays = {}
    for l, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float64).T.copy()  # out x in
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float64).copy()
    # The stored map must be the one that was evaluated: recompute the test accuracy from the
    # saved arrays with an independent forward pass.
    h = x_test
    for l in range(1, len(HIDDEN) + 2):
        h = h @ arrays[f"W{l}"].T + arrays[f"b{l}"]
        if l <= len(HIDDEN):
            h = np.maximum(h, 0.0)
    acc_arrays = float(np.mean(np.argmax(h, axis=1) == y_test))
    if acc_arrays != test_acc:
        sys.exit(f"forward pass of the saved arrays gives accuracy {acc_arrays}, "
                 f"scikit-learn {test_acc}")
    digest = save_npz_atomic(out, arrays)
    print(f"output            {out} ({os.path.getsize(out)} bytes)")
    print(f"sha256            {digest}")
    print(f"shapes            " + ", ".join(f"{k} {arrays[k].shape}" for k in arrays))
    print(f"seed              {SEED}")
    print(f"epochs            {clf.n_iter_} (max_iter {MAX_ITER}), final loss {clf.loss_:.6f}")
    print(f"train accuracy    {train_acc:.4f} (60000 images)")
    print(f"test accuracy     {test_acc:.4f} (10000 images)")
    print(f"training time     {seconds:.1f} s")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
