#!/usr/bin/python3
"""Benchmark: the near-duplicate case of issue 9 (target 3). N Fashion-MNIST training rows plus a
copy of row 0 perturbed by `--eps` relative (each pixel p of the copy becomes p (1 + eps u), u
uniform in [-1, 1], seed 1; zero pixels stay zero), written to a temporary CSV; then, in the same
run, `certify ntk` on it (depth 3, --center, --normalize sphere, default --rtol) and numpy's float64
pipeline (the closed-form kernel of bench/numpy_ntk.py and numpy.linalg.eigvalsh) on the same rows.
Prints the wall time, CPU time and peak memory of each whole process, certify's enclosure and its
attempts (precision, tier — binary64, double-double or mpfi —, seconds), and numpy's answer, which
float64 cannot resolve here.

    bench/near_duplicate.py [--limit 1000] [--eps 1e-10] [--certify build/certify/certify] [--runs 1]
"""
import argparse, csv, gzip, json, os, random, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, here)
from ntk_vs_numpy import timed  # (wall s, cpu s, peak RSS MB, stdout) of one whole process


def fashion_rows(limit):
    with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "rb") as f:
        raw = f.read()
    r, c = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    d = r * c
    return [list(raw[16 + i * d:16 + (i + 1) * d]) for i in range(limit)]


def write_data(path, limit, eps):
    rows = fashion_rows(limit)
    rng = random.Random(1)
    copy = [p * (1.0 + eps * rng.uniform(-1.0, 1.0)) for p in rows[0]]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        for row in rows:
            w.writerow(row)
        w.writerow([repr(v) for v in copy])


NUMPY_JOB = r"""
import sys, time
t0 = time.perf_counter()
import numpy as np
sys.path.insert(0, sys.argv[3])
from numpy_ntk import ntk
x = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
x = x - x.mean(axis=0)
d = x.shape[1]
x = x * (np.sqrt(d) / np.linalg.norm(x, axis=1))[:, None]
lam = np.linalg.eigvalsh(ntk(x, int(sys.argv[2])))[0]
print(f"lambda_min {lam!r} seconds {time.perf_counter() - t0:.3f}")
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, default=1000, help="Fashion-MNIST training rows before the copy")
    p.add_argument("--eps", type=float, default=1e-10, help="relative perturbation of the copy")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--certify", default=os.path.join(root, "build", "certify", "certify"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "near-duplicate.csv")
        write_data(data, a.limit, a.eps)
        cert = [a.certify, "ntk", "--data", data, "--depth", str(a.depth), "--center", "--normalize",
                "sphere", "--quiet", "--json", "-"]
        nump = ["/usr/bin/python3", "-c", NUMPY_JOB, data, str(a.depth), here]
        print(f"data: {a.limit} Fashion-MNIST train rows + row 0 perturbed by {a.eps:g} relative; "
              f"depth {a.depth}, centred, sphere; {os.cpu_count()} CPUs")
        for run in range(a.runs):
            c = timed(cert)
            n = timed(nump)
            j = json.loads(c[3])
            lm = j.get("lambda_min", {})
            print(f"run {run + 1}: certify ntk  wall {c[0]:7.2f} s  cpu {c[1]:7.2f} s  peak {c[2]:7.0f} MB  "
                  f"certified {lm.get('certified')} ({lm.get('precision_bits')} bits {lm.get('tier', '')}, rel. width {lm.get('relative_width')})  lower {lm.get('lower')}  upper {lm.get('upper')}")
            for t in j.get("attempts", []):
                print(f"         attempt {t.get('precision_bits')} bits {t.get('tier', '')}: {t.get('seconds', 0):.2f} s "
                      f"lower {t.get('lower')} upper {t.get('upper')} {t.get('note', '')}")
            print(f"run {run + 1}: numpy        wall {n[0]:7.2f} s  cpu {n[1]:7.2f} s  peak {n[2]:7.0f} MB  "
                  f"{n[3].strip()}")


if __name__ == "__main__":
    main()
