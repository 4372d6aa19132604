"""unittest suite of the Python package ntkcert.

References are independent of the code under test: the kernel recursion and eigenvalues in mpmath
at 60 digits (a plain transcription of docs/math.md §2, Jacobi eigenvalues of mpmath), the Hermite
coefficients from their double-factorial formula, and the certify command line itself run on the
same data (agreement of the two front ends). Run by `meson test python`; the environment names the
certify binary (NTKCERT_CERTIFY) and the source tree (NTKCERT_SOURCE).
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from fractions import Fraction

import mpmath
import numpy as np

import ntkcert

CERTIFY = os.environ.get("NTKCERT_CERTIFY", "certify")
mpmath.mp.dps = 60


def run_certify(*args):
    p = subprocess.run([CERTIFY, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def ref_kernel(X, depth, center=False, normalize="none"):
    """K^(depth) of the rows of X, exactly preprocessed, in mpmath (docs/math.md §2)."""
    rows = [[mpmath.mpf(float(v)) for v in r] for r in np.asarray(X, dtype=np.float64)]
    n, d = len(rows), len(rows[0])
    if center:
        mean = [mpmath.fsum(r[k] for r in rows) / n for k in range(d)]
        rows = [[r[k] - mean[k] for k in range(d)] for r in rows]
    if normalize != "none":
        target = mpmath.sqrt(d) if normalize == "sphere" else mpmath.mpf(1)
        rows = [[v * target / mpmath.sqrt(mpmath.fsum(x * x for x in r)) for v in r] for r in rows]
    G = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            G[i, j] = mpmath.fsum(a * b for a, b in zip(rows[i], rows[j]))
    K = G.copy()
    for _ in range(2, depth + 1):
        Gn, Gd = mpmath.matrix(n, n), mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                s = mpmath.sqrt(G[i, i] * G[j, j])
                rho = max(mpmath.mpf(-1), min(mpmath.mpf(1), G[i, j] / s))
                th = mpmath.acos(rho)
                Gn[i, j] = s * (mpmath.sqrt(1 - rho * rho) + (mpmath.pi - th) * rho) / mpmath.pi
                Gd[i, j] = 1 - th / mpmath.pi
        K = Gn + mpmath.matrix([[K[i, j] * Gd[i, j] for j in range(n)] for i in range(n)])
        G = Gn
    return K


def ref_lambda_min(K):
    return min(mpmath.eigsy(K, eigvals_only=True))


def to_fraction(x):
    """The exact value of an mpmath number."""
    x = mpmath.mpf(x)
    man, exp = x.man_exp  # man is the magnitude
    q = Fraction(man) * Fraction(2) ** exp
    return -q if x < 0 else q


def contains(enc, x):
    """Does the Enclosure contain the mpmath number x (compared exactly)?"""
    lo, hi, q = enc.lower_fraction, enc.upper_fraction, to_fraction(x)
    return (lo is None or lo <= q) and (hi is None or q <= hi)


class LambdaMinTest(unittest.TestCase):
    def test_random_data_against_mpmath(self):
        rng = np.random.default_rng(7)
        for trial in range(4):
            n, d, depth = 5 + trial, 3 + trial, 1 + trial
            X = rng.normal(size=(n, d))
            for center, normalize in ((False, "none"), (True, "sphere")):
                r = ntkcert.lambda_min(X, depth, center=center, normalize=normalize)
                K = ref_kernel(X, depth, center, normalize)
                ref = ref_lambda_min(K)
                # mpmath's eigenvalues carry an error of about 1e-58 ||K|| (60 digits).
                margin = to_fraction(mpmath.mnorm(K, 1)) * Fraction(1, 10**50)
                self.assertLessEqual(r.lower_fraction, to_fraction(ref) + margin, (trial, center, normalize, str(r), ref))
                self.assertGreaterEqual(r.upper_fraction, to_fraction(ref) - margin, (trial, center, normalize, str(r), ref))
                if r.exact_zero is None:
                    self.assertTrue(r.certified)
                    self.assertLessEqual(r.relative_width, 1e-6)
                # floats are rounded outward from the exact strings
                self.assertLessEqual(Fraction(r.lower_float), r.lower_fraction)
                self.assertGreaterEqual(Fraction(r.upper_float), r.upper_fraction)

    def test_agrees_with_cli_on_the_same_data(self):
        rng = np.random.default_rng(11)
        X = rng.normal(size=(12, 6))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.npy")
            np.save(path, X)
            for opts, kw in ((["--depth", "3"], dict(depth=3)),
                             (["--depth", "2", "--center", "--normalize", "unit", "--convention", "uci"],
                              dict(depth=2, center=True, normalize="unit", convention="uci"))):
                code, out, err = run_certify("ntk", "--data", path, "--json", "-", *opts)
                self.assertEqual(code, 0, err)
                cli = json.loads(out)
                r = ntkcert.lambda_min(X, **kw)
                py = r.data
                # Same computation on the same doubles: both enclosures contain λ_min, so they meet.
                self.assertLessEqual(Fraction(py["lambda_min"]["lower"]), Fraction(cli["lambda_min"]["upper"]))
                self.assertLessEqual(Fraction(cli["lambda_min"]["lower"]), Fraction(py["lambda_min"]["upper"]))
                self.assertEqual(py["model"], cli["model"])
                for key in ("n", "d", "center", "normalize", "offset"):
                    self.assertEqual(py["data"][key], cli["data"][key])
                self.assertEqual(sorted(py["lambda_min"]), sorted(cli["lambda_min"]))
                self.assertEqual(sorted(py), sorted(cli))
                self.assertEqual(py["lambda_min"]["lower"], r.lower)
                # A --data SPEC string goes through the CLI's own reader: same hash as the CLI.
                s = ntkcert.lambda_min(path, **kw)
                self.assertEqual(s.data["data"]["sha256"], cli["data"]["sha256"])

    def test_identical_rows_give_exact_zero(self):
        X = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
        r = ntkcert.lambda_min(X, 3)
        self.assertEqual((r.lower, r.upper), ("0", "0"))
        self.assertTrue(r.certified)
        self.assertIsNotNone(r.exact_zero)
        self.assertIn(0, r)

    def test_input_types_are_exact(self):
        Xi = np.array([[3, 1, 2], [1, -4, 2], [0, 2, 5]], dtype=np.int64)
        a = ntkcert.lambda_min(Xi, 2)
        b = ntkcert.lambda_min(Xi.astype(np.float32), 2)
        c = ntkcert.lambda_min(Xi.tolist(), 2)
        self.assertEqual((a.lower, a.upper), (b.lower, b.upper))
        self.assertEqual((a.lower, a.upper), (c.lower, c.upper))
        with self.assertRaisesRegex(ValueError, "2\\^53"):
            ntkcert.lambda_min(np.array([[2**60, 1], [1, 2]], dtype=np.int64), 2)

    def test_bad_input_raises_the_cli_message(self):
        X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.npy")
            np.save(path, X)
            for kw, opts in ((dict(depth=0), ["--depth", "0"]), (dict(depth=65), ["--depth", "65"]),
                             (dict(convention="ntk"), ["--convention", "ntk"]),
                             (dict(normalize="l2"), ["--normalize", "l2"]),
                             (dict(rtol=-1.0), ["--rtol", "-1"]),
                             (dict(precision="fast"), ["--precision", "fast"])):
                code, _, err = run_certify("ntk", "--data", path, *opts)
                self.assertEqual(code, 2)
                expected = err.strip().split(": ", 1)[1]
                args = dict(depth=3)
                args.update(kw)
                with self.assertRaises(ValueError) as cm:
                    ntkcert.lambda_min(X, **args)
                self.assertEqual(str(cm.exception), expected)
            # A NaN: the same row/column message, naming "array" instead of the file.
            Xn = X.copy()
            Xn[1, 0] = float("nan")
            np.save(path, Xn)
            code, _, err = run_certify("ntk", "--data", path)
            self.assertEqual(code, 2)
            expected = err.strip().split(": ", 1)[1].replace(path, "array")
            with self.assertRaises(ValueError) as cm:
                ntkcert.lambda_min(Xn, 3)
            self.assertEqual(str(cm.exception), expected)
        with self.assertRaisesRegex(ValueError, "^array: row 2: .*zero"):
            ntkcert.lambda_min(np.array([[1.0, 2.0], [0.0, 0.0]]), 2)
        with self.assertRaises(ValueError):
            ntkcert.lambda_min(np.zeros((0, 3)), 2)
        with self.assertRaises(ValueError):
            ntkcert.lambda_min(np.ones(4), 2)

    def test_long_calls_release_the_gil(self):
        X = "synthetic:sphere?n=90&d=12&seed=3"
        window = {}

        def work():
            window["start"] = time.monotonic()
            window["result"] = ntkcert.lambda_min(X, 4, precision=256)
            window["end"] = time.monotonic()

        stamps = []
        t = threading.Thread(target=work)
        t.start()
        while t.is_alive():
            stamps.append(time.monotonic())
            time.sleep(0.001)
        t.join()
        span = window["end"] - window["start"]
        if span < 0.3:
            self.skipTest(f"call too short ({span:.3f} s) to observe")
        inside = [s for s in stamps if window["start"] + 0.1 < s < window["end"] - 0.1]
        self.assertGreater(len(inside), 0, "the main thread did not run during the computation")


class KernelTest(unittest.TestCase):
    def test_entries_against_mpmath_and_cli(self):
        rng = np.random.default_rng(5)
        X = rng.normal(size=(6, 4))
        X[1] = X[0] + 1e-9  # a near-duplicate pair
        for depth, conv, center in ((3, "paper", False), (2, "neural-tangents", True)):
            lower, upper = ntkcert.kernel(X, depth, convention=conv, center=center)
            K = ref_kernel(X, depth, center)
            f = Fraction(1, X.shape[1]) if conv == "neural-tangents" else Fraction(1)
            for i in range(6):
                for j in range(6):
                    exact = to_fraction(K[i, j]) * f
                    # mpmath's value is exact to ~1e-55 relative: a margin far below the widths.
                    margin = abs(exact) * Fraction(1, 10**50)
                    self.assertLessEqual(Fraction(lower[i, j]), exact + margin, (depth, i, j))
                    self.assertGreaterEqual(Fraction(upper[i, j]), exact - margin, (depth, i, j))
            self.assertTrue(np.all(lower <= upper))
            with tempfile.TemporaryDirectory() as tmp:
                path, out = os.path.join(tmp, "x.npy"), os.path.join(tmp, "K.npy")
                np.save(path, X)
                args = ["kernel", "--data", path, "--depth", str(depth), "--convention", conv, "--out", out, "--quiet"]
                if center:
                    args.append("--center")
                code, _, err = run_certify(*args)
                self.assertEqual(code, 0, err)
                cli = np.load(out)
                self.assertTrue(np.all(np.maximum(lower, cli[0]) <= np.minimum(upper, cli[1])))

    def test_gdot_and_precise_tier(self):
        X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.5], [-1.0, 0.2, 0.1]])
        r = ntkcert.kernel(X, 3, which="Gdot", layer=2)
        self.assertTrue(np.all(np.diag(r.lower) == 1.0) and np.all(np.diag(r.upper) == 1.0))
        p = ntkcert.kernel(X, 3, precision=200)
        d = ntkcert.kernel(X, 3)
        self.assertEqual(p.precision_bits >= 200, True)
        self.assertTrue(np.all(np.maximum(p.lower, d.lower) <= np.minimum(p.upper, d.upper)))
        self.assertLessEqual(p.max_relative_width, d.max_relative_width)
        with self.assertRaises(ValueError):
            ntkcert.kernel(X, 3, which="Gdot", layer=1)
        with self.assertRaises(ValueError):
            ntkcert.kernel(X, 3, which="H")


class ChainTest(unittest.TestCase):
    def test_agrees_with_cli_and_mpmath(self):
        rng = np.random.default_rng(21)
        X = rng.normal(size=(8, 5))
        K = ref_kernel(X, 3)
        lam = ref_lambda_min(K)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.npy")
            np.save(path, X)
            code, out, err = run_certify("ntk", "--data", path, "--depth", "3", "--chain", "--orders", "2,3",
                                         "--json", "-")
            self.assertEqual(code, 0, err)
            cli = json.loads(out)
        r = ntkcert.chain(X, 3, orders=[3, 2, 2])
        self.assertEqual(r["orders"], [2, 3])
        self.assertTrue(contains(r["lambda_min"], lam))
        py = json.loads(r["json"])
        self.assertEqual(sorted(py), sorted(cli) if "float64" in py else sorted(k for k in cli if k != "float64"))
        self.assertEqual([l["link"] for l in py["chain"]], [l["link"] for l in cli["chain"]])
        self.assertEqual([l["link"] for l in r["links"]], [l["link"] for l in cli["chain"]])
        for a, b, c in zip(r["links"], cli["chain"], py["chain"]):
            # Same links on the same doubles: both enclosures contain the link's value, so they meet.
            self.assertLessEqual(a["value"].lower_fraction or -math.inf, Fraction(b["value"]["upper"])
                                 if b["value"]["upper"] not in ("inf", "nan") else math.inf)
            self.assertLessEqual(Fraction(b["value"]["lower"]) if b["value"]["lower"] not in ("-inf", "nan")
                                 else -math.inf, a["value"].upper_fraction or math.inf)
            self.assertEqual(a["value"].lower, c["value"]["lower"])
            self.assertEqual(a["holds"], c["holds"])
            if b["holds"] in (True, False):
                self.assertEqual(a["holds"], b["holds"])
        links = {l["link"]: l for l in r["links"]}
        # The chain's lower links are below λ_min (mpmath), the upper link above it.
        for name in ("schur", "hermite:2", "hermite:all", "gershgorin:2"):
            lo = links[name]["value"].lower_fraction
            self.assertTrue(lo is None or lo <= to_fraction(lam), name)
        self.assertLessEqual(to_fraction(lam), links["upper"]["value"].upper_fraction)

    def test_bad_orders_raise_the_cli_message(self):
        X = np.eye(3)
        for orders in ("0", "2,x"):
            code, _, err = run_certify("ntk", "--data", "synthetic:sphere?n=3&d=3&seed=1", "--chain",
                                       "--orders", orders)
            self.assertEqual(code, 2)
            with self.assertRaises(ValueError) as cm:
                ntkcert.chain(X, 3, orders=orders)
            self.assertIn(str(cm.exception), err)


class CompareTest(unittest.TestCase):
    def test_agrees_with_cli_and_mpmath(self):
        rng = np.random.default_rng(31)
        X = rng.normal(size=(10, 4))
        K = ref_kernel(X, 2)
        lam = ref_lambda_min(K)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.npy")
            np.save(path, X)
            code, out, err = run_certify("compare", "--data", path, "--depth", "2", "--json", "-")
            self.assertEqual(code, 0, err)
            cli = json.loads(out)
        r = ntkcert.compare(X, 2)
        py = json.loads(r["json"])
        self.assertEqual(sorted(py), sorted(cli))
        self.assertTrue(contains(r["lambda_min"], lam))
        self.assertLessEqual(r["lambda_min"].lower_fraction, Fraction(cli["certified"]["lambda_min"]["upper"]))
        self.assertLessEqual(Fraction(cli["certified"]["lambda_min"]["lower"]), r["lambda_min"].upper_fraction)
        self.assertEqual(sorted(r["floats"]), ["atan2-float32", "atan2-float64", "float32", "float64"])
        for prec in ("float64", "float32"):
            for name, block, cblock in ((prec, py[prec], cli[prec]), ("atan2-" + prec, py[prec]["atan2"],
                                                                     cli[prec]["atan2"])):
                f = r["floats"][name]
                # Deterministic plain code on the same doubles: the same counts as the CLI.
                for key in ("entries", "entries_outside", "nan_count", "negative_eigenvalues",
                            "eigenvalues_computed"):
                    self.assertEqual(f[key], cblock[key], (name, key))
                    self.assertEqual(f[key], block[key], (name, key))
                self.assertEqual(f["entries"], 100)
                # lambda_min_inside is decided exactly against the certified enclosure.
                if f["lambda_min"] is not None:
                    self.assertEqual(f["lambda_min_inside"], Fraction(f["lambda_min"]) in r["lambda_min"])
                    self.assertAlmostEqual(f["lambda_min"], float(lam), delta=1e-3 * abs(float(lam)) + 1e-4)

    def test_bad_depth_raises_the_cli_message(self):
        code, _, err = run_certify("compare", "--data", "synthetic:sphere?n=3&d=3&seed=1", "--depth", "0")
        self.assertEqual(code, 2)
        with self.assertRaises(ValueError) as cm:
            ntkcert.compare(np.eye(3), 0)
        self.assertIn(str(cm.exception), err)


def strip_volatile(doc, sources=True, drop=()):
    """The document without wall times (and, with sources, without the data/network names and hashes,
    which differ between an in-memory array and the file holding the same numbers; and without the
    keys in drop)."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k in ("seconds", "timing") or k.endswith("_seconds") or k in drop:
                continue
            if sources and k in ("source", "sha256"):
                continue
            out[k] = strip_volatile(v, sources, drop)
        return out
    if isinstance(doc, list):
        return [strip_volatile(v, sources, drop) for v in doc]
    return doc


def cli_json(test, *args, code=None):
    rc, out, err = run_certify(*args, "--json", "-")
    if code is not None:
        test.assertEqual(rc, code, err)
    return json.loads(out)


class EmpiricalTest(unittest.TestCase):
    def test_agrees_with_cli_on_the_same_network(self):
        import hashlib
        rng = np.random.default_rng(41)
        X = rng.normal(size=(6, 3))
        W = [rng.normal(size=(5, 3)), rng.normal(size=(4, 5)), rng.normal(size=(2, 4))]
        b = [rng.normal(size=5), rng.normal(size=4), rng.normal(size=2)]
        with tempfile.TemporaryDirectory() as tmp:
            xp, npz = os.path.join(tmp, "x.npy"), os.path.join(tmp, "net.npz")
            np.save(xp, X)
            np.savez(npz, W1=W[0], W2=W[1], W3=W[2], b1=b[0], b2=b[1], b3=b[2])
            # The full report (layers, Jlb, Jub, activations): the same document as the CLI's.
            cli = cli_json(self, "empirical", "--data", xp, "--network", npz, "--output", "1")
            r = ntkcert.empirical(X, W, b, output=1)
            self.assertEqual(strip_volatile(json.loads(r.json)), strip_volatile(cli))
            self.assertEqual(r.lower, cli["lambda_min"]["lower"])
            self.assertEqual(r.upper, cli["lambda_min"]["upper"])
            self.assertEqual(len(r.layers), 3)
            for e, c in zip(r.layers, cli["layers"]):
                self.assertEqual(e["gram_lambda_min"].lower, c["gram_lambda_min"]["lower"])
                self.assertEqual(e["backward_min_sq"].upper, c["backward_min_sq"]["upper"])
            self.assertEqual(r.schur_holds, cli["schur_bound"]["holds"])
            self.assertEqual(r.diagonal_holds, cli["diagonal_min"]["holds"])
            # Jlb <= λ_min <= Jub whenever the verdicts say so.
            if r.schur_holds is True:
                self.assertLessEqual(r.schur_bound.upper_fraction, r.upper_fraction)
            if r.diagonal_holds is True:
                self.assertLessEqual(r.lower_fraction, r.diagonal_min.upper_fraction)
            self.assertEqual(r.parameters, cli["network"]["parameters"])
            self.assertEqual(r.network_sha256, hashlib.sha256(b"".join(
                np.asarray(a, dtype="<f8").tobytes() for a in W + b)).hexdigest())
            # The same file through SPEC strings: identical documents, names and hashes included.
            r = ntkcert.empirical(xp, npz, output=1, lambda_only=True)
            cli = cli_json(self, "empirical", "--data", xp, "--network", npz, "--output", "1", "--lambda-only")
            self.assertEqual(strip_volatile(json.loads(r.json), sources=False), strip_volatile(cli, sources=False))
            self.assertIsNone(r.layers)
            # Without biases, one output, float32 weights (widened exactly).
            W1 = [w.astype(np.float32) for w in W[:2]] + [W[2][:1]]
            np.savez(npz, W1=W1[0], W2=W1[1], W3=W1[2])
            cli = cli_json(self, "empirical", "--data", xp, "--network", npz, "--lambda-only", code=0)
            r = ntkcert.empirical(X, W1, lambda_only=True)
            self.assertEqual(strip_volatile(json.loads(r.json)), strip_volatile(cli))

    def test_infinite_width_and_theorem_scales(self):
        # A random: network: the CLI knows β; the same weights as arrays with init="he" give the
        # same prediction and scales.
        spec = "random:widths=4,30,20,1&init=he&seed=5"
        X = np.random.default_rng(43).normal(size=(7, 4))
        with tempfile.TemporaryDirectory() as tmp:
            xp, npz = os.path.join(tmp, "x.npy"), os.path.join(tmp, "net.npz")
            np.save(xp, X)
            cli = cli_json(self, "empirical", "--data", xp, "--network", spec, "--save-network", npz)
            r = ntkcert.empirical(xp, spec)
            self.assertEqual(strip_volatile(json.loads(r.json), sources=False), strip_volatile(cli, sources=False))
            self.assertIsNotNone(r.infinite_width["lambda_min"])
            self.assertIsNotNone(r.theorem_4_1_scale)
            z = np.load(npz)
            W = [z["W1"], z["W2"], z["W3"]]
            r2 = ntkcert.empirical(X, W, init="he")
            doc = json.loads(r2.json)
            self.assertEqual(strip_volatile(doc["infinite_width"]), strip_volatile(cli["infinite_width"]))
            self.assertEqual(doc["theorem_4_1"], cli["theorem_4_1"])
            self.assertEqual([l["theorem_5_1"] for l in doc["layers"]], [l["theorem_5_1"] for l in cli["layers"]])
            r3 = ntkcert.empirical(X, W)  # β unknown: no prediction, as for a file
            self.assertIsNone(r3.infinite_width["lambda_min"])
            self.assertIsNone(r3.theorem_4_1_scale)

    def test_certificate_written_and_checked(self):
        X = np.random.default_rng(44).normal(size=(6, 3))
        with tempfile.TemporaryDirectory() as tmp:
            xp, cert = os.path.join(tmp, "x.npy"), os.path.join(tmp, "cert.json")
            np.save(xp, X)
            spec = "random:widths=3,12,1&seed=2"
            r = ntkcert.empirical(xp, spec, certificate=cert)
            self.assertEqual(r.certificate, cert)
            c = ntkcert.check(cert)
            self.assertTrue(c["valid"], c)
            self.assertEqual(c["kind"], "empirical")
            code, _, err = run_certify("check", cert)
            self.assertEqual(code, 0, err)
            # In-memory arrays cannot be re-read by the checker: refused before any work.
            other = os.path.join(tmp, "other.json")
            with self.assertRaises(ValueError):
                ntkcert.empirical(X, [np.ones((4, 3)), np.ones((1, 4))], certificate=other)
            self.assertFalse(os.path.exists(other))

    def test_bad_input_raises_the_cli_message(self):
        rng = np.random.default_rng(42)
        X = rng.normal(size=(4, 3))
        W = [rng.normal(size=(5, 3)), rng.normal(size=(2, 5))]
        with tempfile.TemporaryDirectory() as tmp:
            xp, npz = os.path.join(tmp, "x.npy"), os.path.join(tmp, "net.npz")
            np.save(xp, X)
            np.savez(npz, W1=W[0], W2=W[1])
            cases = (([], {}), (["--output", "7"], dict(output=7)), (["--rtol", "-1"], dict(output=0, rtol=-1)),
                     (["--precision", "12"], dict(output=0, precision=12)))
            for extra, kw in cases:
                code, _, err = run_certify("empirical", "--data", xp, "--network", npz, "--lambda-only", *extra)
                self.assertEqual(code, 2)
                with self.assertRaises(ValueError) as cm:
                    ntkcert.empirical(X, W, **kw)
                self.assertIn(str(cm.exception).split("network ")[0], err)
            code, _, err = run_certify("empirical", "--data", xp, "--network", npz, "--output", "0", "--layout", "up")
            with self.assertRaises(ValueError) as cm:
                ntkcert.empirical(xp, npz, output=0, layout="up")
            self.assertIn(str(cm.exception), err)
        with self.assertRaises(ValueError):
            ntkcert.empirical(X, [rng.normal(size=(5, 4)), rng.normal(size=(1, 5))])
        with self.assertRaises(ValueError):
            ntkcert.empirical(X, W, output=0, init="xavier")


class LipschitzTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        rng = np.random.default_rng(51)
        self.W = [rng.normal(size=(6, 4)), rng.normal(size=(5, 6)), rng.normal(size=(1, 5))]
        self.b = [rng.normal(size=6), rng.normal(size=5), rng.normal(size=1)]
        self.X = rng.normal(size=(8, 4))
        self.tmp = tempfile.TemporaryDirectory()
        self.npz = os.path.join(self.tmp.name, "net.npz")
        self.xp = os.path.join(self.tmp.name, "x.npy")
        W, b = self.W, self.b
        np.savez(self.npz, W1=W[0], W2=W[1], W3=W[2], b1=b[0], b2=b[1], b3=b[2])
        np.save(self.xp, self.X)

    def tearDown(self):
        self.tmp.cleanup()

    def test_product_against_cli_and_mpmath(self):
        cli = cli_json(self, "lipschitz", "--network", self.npz, "--methods", "product", code=0)
        r = ntkcert.lipschitz(self.W, self.b, methods=["product"])
        # The same deterministic computation on the same doubles: the same outward decimals.
        self.assertEqual(strip_volatile(json.loads(r["json"])), strip_volatile(cli))
        self.assertEqual(r["upper"], cli["lipschitz"]["upper"])
        self.assertEqual(r["certified"], cli["lipschitz"]["certified"])
        prod = mpmath.mpf(1)
        for e, w in zip(r["methods"][0]["layers"], self.W):
            # ||W||_2 from mpmath's symmetric eigenvalues of W^T W at 60 digits.
            M = mpmath.matrix(w.tolist())
            norm = mpmath.sqrt(max(mpmath.eigsy(M.T * M, eigvals_only=True)))
            self.assertTrue(contains(e["enclosure"], norm))
            prod *= norm
        self.assertLessEqual(to_fraction(prod), r["bound"].upper_fraction)
        self.assertLessEqual(r["bound"].upper_fraction, to_fraction(prod) * Fraction(1 + 1e-9))
        self.assertEqual(r["widths"], [4, 6, 5, 1])

    def test_all_methods_and_local_balls_agree_with_cli(self):
        # The CLI's default methods; time_limit 0 keeps the Jacobian search deterministic.
        common = ["--time-limit", "0", "--data", self.xp, "--radius", "0.05"]
        cli = cli_json(self, "lipschitz", "--network", self.npz, *common)
        r = ntkcert.lipschitz(self.W, self.b, time_limit=0, data=self.X, radius=0.05)
        self.assertEqual(strip_volatile(json.loads(r["json"])), strip_volatile(cli))
        self.assertEqual([m["name"] for m in r["methods"]], ["product", "lipsdp-layer", "lipsdp-neuron", "jacobian"])
        self.assertEqual(r["exit_status"] == 0, cli["lipschitz"]["certified"])
        lo, hi = r["bound"].lower_fraction, r["bound"].upper_fraction
        self.assertLessEqual(lo, hi)
        for m in r["methods"]:
            if m["certified"] and m["kind"] == "upper":
                self.assertLessEqual(hi, m["enclosure"].upper_fraction)
        for p in r["local"]["points"]:
            self.assertLessEqual(p["enclosure"].lower_fraction, p["enclosure"].upper_fraction)
            self.assertLessEqual(p["enclosure"].upper_fraction, hi)
        # g_2 and f_2, l2 balls, LipSDP local upper bounds.
        for extra, kw in ((["--map", "f", "--layer", "2", "--norm", "2", "--local-upper", "best"],
                           dict(map="f", layer=2, norm="2", local_upper="best")),
                          (["--layer", "2", "--methods", "product,jacobian", "--seed", "3"],
                           dict(layer=2, methods="product,jacobian", seed=3))):
            cli = cli_json(self, "lipschitz", "--network", self.npz, *common, *extra)
            r = ntkcert.lipschitz(self.npz, time_limit=0, data=self.xp, radius=0.05, **kw)
            self.assertEqual(strip_volatile(json.loads(r["json"]), sources=False), strip_volatile(cli, sources=False))

    def assert_same_feature_map(self, py, cli):
        """The same claims: equal verdicts and meeting enclosures (both contain the true maxima).
        The documents are usually identical, but the witness among tied pairs (e.g. every pair has
        ratio 1 at l = 1) and, rarely, the precision at which escalation stops depend on the order in
        which the threads' maxima merge."""
        a, b = py["feature_map"], cli["feature_map"]
        self.assertEqual(py["data"]["n"], cli["data"]["n"])
        self.assertEqual((a["certified"], a["pairs"], a["identical_pairs"]),
                         (b["certified"], b["pairs"], b["identical_pairs"]))
        pairs = [(a["ntk_holder_half"], b["ntk_holder_half"]), (a["ntk_lipschitz_ratio"], b["ntk_lipschitz_ratio"])]
        for x, y in zip(a["layers"], b["layers"]):
            self.assertEqual((x["l"], x["holds"]), (y["l"], y["holds"]))
            pairs.append((x["max_ratio"], y["max_ratio"]))
        for x, y in pairs:
            self.assertLessEqual(Fraction(x["lower"]), Fraction(y["upper"]))
            self.assertLessEqual(Fraction(y["lower"]), Fraction(x["upper"]))

    def test_feature_map_agrees_with_cli(self):
        for kind in ("nngp", "ntk"):
            cli = cli_json(self, "lipschitz", "--feature-map", kind, "--data", self.xp, "--depth", "3")
            r = ntkcert.lipschitz(feature_map=kind, data=self.xp, depth=3)
            self.assert_same_feature_map(json.loads(r["json"]), cli)
            self.assertEqual(json.loads(r["json"])["data"], cli["data"])  # same file: same name and hash
            for e in r["layers"]:
                i, j = e["max_ratio"]["witness"]
                self.assertTrue(0 <= i < 8 and 0 <= j < 8 and i != j)
                if kind == "nngp":
                    self.assertEqual(e["holds"], e["max_ratio"]["enclosure"].upper_fraction <= 1)
            r2 = ntkcert.lipschitz_feature_map(self.X, kind)
            self.assert_same_feature_map(json.loads(r2["json"]), cli)

    def test_bad_input_raises_the_cli_message(self):
        cases = [(["--methods", "product,sdp"], dict(methods="product,sdp")),
                 (["--map", "h"], {"map": "h"}),
                 (["--layer", "9"], dict(layer=9)),
                 (["--norm", "2"], dict(norm="2")),
                 (["--radius", "0.1"], dict(radius=0.1)),
                 (["--data", self.xp, "--radius", "-1"], dict(data=self.xp, radius=-1)),
                 (["--time-limit", "-2"], dict(time_limit=-2)),
                 (["--local-upper", "exact"], dict(local_upper="exact"))]
        for extra, kw in cases:
            code, _, err = run_certify("lipschitz", "--network", self.npz, *extra)
            self.assertEqual(code, 2, extra)
            with self.assertRaises(ValueError) as cm:
                ntkcert.lipschitz(self.W, self.b, **kw)
            self.assertIn(str(cm.exception), err)
        code, _, err = run_certify("lipschitz", "--network", self.npz, "--data", "synthetic:sphere?n=4&d=3")
        self.assertEqual(code, 2)
        with self.assertRaises(ValueError) as cm:
            ntkcert.lipschitz(self.W, self.b, data=np.ones((4, 3)))
        self.assertIn(str(cm.exception).split("'")[0], err)
        with self.assertRaises(ValueError):
            ntkcert.lipschitz([np.ones((3, 2)), np.ones((1, 4))])
        with self.assertRaises(ValueError):
            ntkcert.lipschitz([np.array([[np.nan, 1.0]])])
        code, _, err = run_certify("lipschitz", "--feature-map", "nngp", "--data", "synthetic:sphere?n=1&d=3")
        with self.assertRaises(ValueError) as cm:
            ntkcert.lipschitz_feature_map("synthetic:sphere?n=1&d=3", "nngp")
        self.assertIn(str(cm.exception), err)


# The child of the Ctrl-C tests: starts a long computation (in the main thread, or in a worker thread
# while the main thread waits), says "started", and reports how the call ended.
INTERRUPT_CHILD = r"""
import os, sys, threading, time
import numpy as np
import ntkcert
job, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)

def call():
    if job in ("lambda_min", "thread"):
        # The MPFI tier at 2048 bits on 300 rows: minutes of work.
        return ntkcert.lambda_min(rng.normal(size=(300, 30)), 3, precision=2048)
    if job == "empirical":
        # The MPFI tier at 2048 bits: several seconds even on a fast machine.
        spec = "random:widths=20,100,100,1&seed=1"
        np.save(os.path.join(tmp, "x.npy"), rng.normal(size=(100, 20)))
        return ntkcert.empirical(os.path.join(tmp, "x.npy"), spec, precision=2048,
                                 certificate=os.path.join(tmp, "cert.json"))
    if job == "lipsdp":
        W = [rng.normal(size=(400, 30)), rng.normal(size=(400, 400)), rng.normal(size=(1, 400))]
        for _ in range(50):
            ntkcert.lipschitz(W, methods="lipsdp-neuron")

t0 = time.monotonic()
if job == "thread":
    outcome = {}
    def work():
        try:
            call()
            outcome["end"] = "finished"
        except KeyboardInterrupt:
            outcome["end"] = "interrupted"
    t = threading.Thread(target=work)
    t.start()
    print("started", flush=True)
    try:
        while t.is_alive():
            time.sleep(0.01)
        print("main thread not interrupted", flush=True)
    except KeyboardInterrupt:
        t.join()
        print("interrupted" if outcome.get("end") == "interrupted" else "worker " + str(outcome), flush=True)
else:
    print("started", flush=True)
    try:
        call()
        print("finished %.2f" % (time.monotonic() - t0), flush=True)
    except KeyboardInterrupt:
        print("interrupted %.2f" % (time.monotonic() - t0), flush=True)
"""


class InterruptTest(unittest.TestCase):
    """Ctrl-C (SIGINT) during a long call raises KeyboardInterrupt promptly and writes nothing."""

    def interrupt(self, job):
        import signal
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.Popen([sys.executable, "-c", INTERRUPT_CHILD, job, tmp], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=os.environ.copy())
            try:
                self.assertEqual(p.stdout.readline().strip(), "started")
                time.sleep(1.5)  # well inside the call (its set-up takes a fraction of a second)
                t_kill = time.monotonic()
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=30)
                elapsed = time.monotonic() - t_kill
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            self.assertTrue(out.startswith("interrupted"), (out, err))
            # About a second to stop, plus the child's exit; generous for a loaded machine.
            self.assertLess(elapsed, 5.0, (out, err))
            self.assertEqual(sorted(f for f in os.listdir(tmp) if f != "x.npy"), [])  # no certificate

    def test_lambda_min_mpfi_tier(self):
        self.interrupt("lambda_min")

    def test_empirical_with_certificate(self):
        self.interrupt("empirical")

    def test_lipsdp(self):
        self.interrupt("lipsdp")

    def test_call_in_a_worker_thread(self):
        self.interrupt("thread")


class HermiteTest(unittest.TestCase):
    def test_coefficients_against_double_factorial_formula(self):
        def dfact(k):
            return 1 if k <= 0 else k * dfact(k - 2)

        for act in ("relu", "step"):
            h = ntkcert.hermite(30, act, precision=100)
            total = mpmath.mpf(0)
            for e in h["coefficients"]:
                r = e["r"]
                if act == "relu":
                    c = (1 / mpmath.pi if r == 0 else mpmath.mpf(1) / 2 if r == 1 else
                         0 if r % 2 else mpmath.mpf(dfact(r - 3)) ** 2 / (mpmath.pi * mpmath.factorial(r)))
                else:
                    c = (mpmath.mpf(1) / 2 if r == 0 else 0 if r % 2 == 0 else
                         mpmath.mpf(dfact(r - 2)) ** 2 / (mpmath.pi * mpmath.factorial(r)))
                total += c
                self.assertTrue(contains(e["c"], c), (act, r))
                if act == "relu":
                    sign = 1 if r <= 1 else (-1) ** (r // 2 + 1)
                else:
                    sign = 1 if r == 0 else (-1) ** ((r - 1) // 2)
                self.assertTrue(contains(e["mu"], sign * mpmath.sqrt(c / 2)), (act, r))
            self.assertTrue(contains(h["partial_sum"], total))
            self.assertTrue(contains(h["tail_mass"], 1 - total))
        h = ntkcert.hermite(4)
        self.assertEqual([e["c_exact"] for e in h["coefficients"]], ["1/pi", "1/2", "1/(2*pi)", "0", "1/(24*pi)"])
        with self.assertRaises(ValueError):
            ntkcert.hermite(3, "tanh")


class CheckTest(unittest.TestCase):
    def test_certificate_round_trip(self):
        rng = np.random.default_rng(3)
        X = rng.normal(size=(10, 5))
        with tempfile.TemporaryDirectory() as tmp:
            path, cert = os.path.join(tmp, "x.npy"), os.path.join(tmp, "cert.json")
            np.save(path, X)
            code, _, err = run_certify("ntk", "--data", path, "--depth", "3", "--quiet", "--certificate", cert)
            self.assertEqual(code, 0, err)
            r = ntkcert.check(cert)
            self.assertTrue(r["valid"], r)
            with open(cert) as f:
                c = json.load(f)
            c["model"]["depth"] = 4
            bad = os.path.join(tmp, "bad.json")
            with open(bad, "w") as f:
                json.dump(c, f)
            r = ntkcert.check(bad)
            self.assertFalse(r["valid"])
            self.assertTrue(r["reason"])
            v2 = os.path.join(tmp, "v2.json")
            with open(v2, "w") as f:
                json.dump({"format": {"name": "ntkcert-certificate", "version": 2}}, f)
            code, _, err = run_certify("check", v2)
            self.assertEqual(code, 2)
            with self.assertRaises(ValueError) as cm:
                ntkcert.check(v2)
            self.assertIn(str(cm.exception), err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
