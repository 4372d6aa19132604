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
            code, out, err = run_certify("empirical", "--data", xp, "--network", npz, "--output", "1",
                                         "--lambda-only", "--json", "-")
            self.assertEqual(code, 0, err)
            cli = json.loads(out)
            r = ntkcert.empirical(X, W, b, output=1)
            py = json.loads(r.json)
            # Same network, same rows: both enclosures contain λ_min(J Jᵀ), so they meet.
            self.assertLessEqual(r.lower_fraction, Fraction(cli["lambda_min"]["upper"]))
            self.assertLessEqual(Fraction(cli["lambda_min"]["lower"]), r.upper_fraction)
            self.assertEqual(sorted(py["lambda_min"]), sorted(cli["lambda_min"]))
            self.assertEqual(py["data"]["n"], cli["data"]["n"])
            self.assertEqual(r.parameters, cli["network"]["parameters"])
            self.assertEqual(r.network_sha256, hashlib.sha256(b"".join(
                np.asarray(a, dtype="<f8").tobytes() for a in W + b)).hexdigest())
            # Without biases, one output, float32 weights (widened exactly).
            W1 = [w.astype(np.float32) for w in W[:2]] + [W[2][:1]]
            np.savez(npz, W1=W1[0], W2=W1[1], W3=W1[2])
            code, out, err = run_certify("empirical", "--data", xp, "--network", npz, "--lambda-only", "--json", "-")
            self.assertEqual(code, 0, err)
            cli = json.loads(out)
            r = ntkcert.empirical(X, W1)
            self.assertLessEqual(r.lower_fraction, Fraction(cli["lambda_min"]["upper"]))
            self.assertLessEqual(Fraction(cli["lambda_min"]["lower"]), r.upper_fraction)
            self.assertEqual(r.float64 is None or r.lower_float <= r.upper_float, True)

    def test_bad_input_raises_the_cli_message(self):
        rng = np.random.default_rng(42)
        X = rng.normal(size=(4, 3))
        W = [rng.normal(size=(5, 3)), rng.normal(size=(2, 5))]
        with tempfile.TemporaryDirectory() as tmp:
            xp, npz = os.path.join(tmp, "x.npy"), os.path.join(tmp, "net.npz")
            np.save(xp, X)
            np.savez(npz, W1=W[0], W2=W[1])
            for extra, kw in (([], {}), (["--output", "7"], dict(output=7))):
                code, _, err = run_certify("empirical", "--data", xp, "--network", npz, "--lambda-only", *extra)
                self.assertEqual(code, 2)
                with self.assertRaises(ValueError) as cm:
                    ntkcert.empirical(X, W, **kw)
                self.assertIn(str(cm.exception).split("network ")[0], err)
        with self.assertRaises(ValueError):
            ntkcert.empirical(X, [rng.normal(size=(5, 4)), rng.normal(size=(1, 5))])


class LipschitzTest(unittest.TestCase):
    def test_agrees_with_cli_and_mpmath(self):
        rng = np.random.default_rng(51)
        W = [rng.normal(size=(6, 4)), rng.normal(size=(5, 6)), rng.normal(size=(1, 5))]
        b = [rng.normal(size=6), rng.normal(size=5), rng.normal(size=1)]
        with tempfile.TemporaryDirectory() as tmp:
            npz = os.path.join(tmp, "net.npz")
            np.savez(npz, W1=W[0], W2=W[1], W3=W[2], b1=b[0], b2=b[1], b3=b[2])
            code, out, err = run_certify("lipschitz", "--network", npz, "--methods", "product", "--json", "-")
            self.assertEqual(code, 0, err)
            cli = json.loads(out)
        r = ntkcert.lipschitz(W, b)
        # The same deterministic computation on the same doubles: the same outward decimals.
        self.assertEqual(r["upper"], cli["lipschitz"]["upper"])
        self.assertEqual(r["certified"], cli["lipschitz"]["certified"])
        prod = mpmath.mpf(1)
        for e, c, w in zip(r["layers"], cli["methods"][0]["layers"], W):
            self.assertEqual((e["lower"], e["upper"]), (c["lower"], c["upper"]))
            # ||W||_2 from mpmath's symmetric eigenvalues of W^T W at 60 digits.
            M = mpmath.matrix(w.tolist())
            norm = mpmath.sqrt(max(mpmath.eigsy(M.T * M, eigvals_only=True)))
            self.assertTrue(contains(e["enclosure"], norm))
            prod *= norm
        self.assertLessEqual(to_fraction(prod), r["bound"].upper_fraction)
        self.assertLessEqual(r["bound"].upper_fraction, to_fraction(prod) * Fraction(1 + 1e-9))
        self.assertEqual(r["widths"], [4, 6, 5, 1])

    def test_bad_weights_raise(self):
        with self.assertRaises(ValueError):
            ntkcert.lipschitz([np.ones((3, 2)), np.ones((1, 4))])
        with self.assertRaises(ValueError):
            ntkcert.lipschitz([np.array([[np.nan, 1.0]])])


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
