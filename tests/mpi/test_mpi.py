#!/usr/bin/env python3
"""certify-mpi end to end: enclosures under mpirun with 1, 2 and 4 processes, several grids and
block sizes (including grids and blocks that do not divide N), against `certify ntk` on one process
and against each other; error handling (a rank that cannot read its data, bad usage, inexact
centring); exit 1 when --rtol cannot be met; a certificate that `certify check` accepts.

usage: test_mpi.py CERTIFY_MPI CERTIFY MPIRUN
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

MPI, CERTIFY, MPIRUN = sys.argv[1:4]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED = os.path.join(ROOT, "data", "fashion-mnist-test-500.csv")
ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1",
           OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def mpirun(np_, args, extra=None):
    cmd = [MPIRUN, "--oversubscribe", "--allow-run-as-root", "-np", str(np_), MPI] + args
    if extra:
        cmd += extra
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=100)


def interval(j):
    lm = j["lambda_min"]
    return Fraction(lm["lower"]), Fraction(lm["upper"])


def overlap(a, b):
    return a[0] <= b[1] and b[0] <= a[1]


RUNS = [  # (processes, grid, block)
    (1, "1x1", 64),
    (2, "1x2", 50),
    (2, "2x1", 128),
    (4, "2x2", 37),
    (4, "1x4", 64),
]
DATASETS = [
    # (name, data args, model args, runs); blocks 37, 50 and 128 divide none of the N
    ("fmnist-test-500", ["--data", BUNDLED, "--center", "--normalize", "sphere"], ["--depth", "3"],
     [RUNS[0], RUNS[1], RUNS[3]]),
    ("sphere-600", ["--data", "synthetic:sphere?n=600&d=24&seed=5"], ["--depth", "4", "--convention", "neural-tangents"],
     [RUNS[2], RUNS[4]]),
    ("fmnist-train-1000-pooled", ["--data", "fashion-mnist:train?pool=2", "--offset", "300", "--limit", "1000",
                                  "--center", "--normalize", "unit"], ["--depth", "2"], RUNS),
]

t0 = time.time()
tmp = tempfile.mkdtemp(prefix="ntkcert-mpi-")
for name, data, model, runs in DATASETS:
    ref = subprocess.run([CERTIFY, "ntk", "--precision", "53", "--json", "-"] + data + model,
                         env=ENV, capture_output=True, text=True, timeout=100)
    check(ref.returncode in (0, 1), f"{name}: certify ntk ran ({ref.returncode}: {ref.stderr.strip()})")
    if ref.returncode not in (0, 1):
        continue
    rj = json.loads(ref.stdout)
    r = interval(rj)
    seen = []
    for np_, grid, block in runs:
        p = mpirun(np_, ["--json", "-", "--grid", grid, "--block", str(block)] + data + model)
        tag = f"{name} P={np_} grid {grid} block {block}"
        check(p.returncode in (0, 1), f"{tag}: exit {p.returncode}: {p.stderr.strip()[:400]}")
        if p.returncode not in (0, 1):
            continue
        j = json.loads(p.stdout)
        e = interval(j)
        check(j["ranks"] == np_, f"{tag}: ranks = {j['ranks']}")
        check(j["distributed"]["grid"] == [int(x) for x in grid.split("x")], f"{tag}: grid in JSON")
        check(j["data"]["n"] == rj["data"]["n"] and j["data"]["sha256"] == rj["data"]["sha256"], f"{tag}: same data")
        check(e[0] <= e[1], f"{tag}: lower <= upper")
        check(e[0] > 0, f"{tag}: positive lower bound (the test proved something)")
        check(overlap(e, r), f"{tag}: [{float(e[0])}, {float(e[1])}] overlaps certify ntk [{float(r[0])}, {float(r[1])}]")
        dj = j["distributed"]
        check(dj["cholesky_constant"] <= dj["cholesky_constant_a_priori"], f"{tag}: constant <= the a-priori one")
        if j["data"]["n"] >= 1000:  # 4 steps of 256 columns: the blocked constant is about 1/3 of c'
            check(dj["cholesky_constant_kind"] == "blocked a-posteriori"
                  and dj["cholesky_constant"] < 0.6 * dj["cholesky_constant_a_priori"],
                  f"{tag}: blocked constant {dj['cholesky_constant']} vs a priori {dj['cholesky_constant_a_priori']}")
        rw = j["lambda_min"]["relative_width"]
        check(rw < 1e-6, f"{tag}: relative width {rw} < 1e-6")
        check(j["lambda_min"]["certified"] == (rw <= 1e-6) and (p.returncode == 0) == j["lambda_min"]["certified"],
              f"{tag}: certified flag and exit status agree")
        for other_tag, o in seen:
            check(overlap(e, o), f"{tag} overlaps {other_tag}")
        seen.append((tag, e))
print(f"enclosures: {time.time() - t0:.1f} s", flush=True)

# A certificate written by rank 0 that certify check accepts (small N: the checker is exact).
cert = os.path.join(tmp, "cert.json")
p = mpirun(2, ["--data", BUNDLED, "--limit", "40", "--center", "--normalize", "sphere", "--quiet",
               "--block", "7", "--certificate", cert])
check(p.returncode == 0, f"certificate run: exit {p.returncode}: {p.stderr.strip()[:300]}")
if os.path.exists(cert):
    c = subprocess.run([CERTIFY, "check", cert], env=ENV, capture_output=True, text=True, timeout=60)
    check(c.returncode == 0 and c.stdout.startswith("valid"), f"certify check: {c.returncode} {c.stdout[:200]} {c.stderr[:200]}")

# A rank that cannot read the data: every rank exits 2, one message naming the rank, no output file.
out = os.path.join(tmp, "out.json")
missing = os.path.join(tmp, "missing.csv")
cmd = [MPIRUN, "--oversubscribe", "--allow-run-as-root",
       "-np", "1", MPI, "--data", BUNDLED, "--limit", "50", "--json", out, ":",
       "-np", "1", MPI, "--data", missing, "--limit", "50", "--json", out]
p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=60)
ours = [l for l in p.stderr.splitlines() if l.startswith("certify-mpi:")]
check(p.returncode == 2, f"unreadable data on rank 1: mpirun exit {p.returncode}")
check(len(ours) == 1 and "rank 1 of 2" in ours[0] and "missing.csv" in ours[0],
      f"unreadable data on rank 1: one message naming the rank and file, got {ours}")
check(not os.path.exists(out), "unreadable data on rank 1: no output file")
check(not [f for f in os.listdir(tmp) if f.startswith("out.json")], "unreadable data: no temporary file left")

# Every rank reading a different file than rank 0 (same size): exit 2, one message.
other = os.path.join(tmp, "other.csv")
with open(BUNDLED) as f, open(other, "w") as g:
    lines = f.read().splitlines()
    g.write("\n".join(lines[1:52] + lines[0:1]) + "\n")
cmd = [MPIRUN, "--oversubscribe", "--allow-run-as-root",
       "-np", "1", MPI, "--data", BUNDLED, "--limit", "50", "--json", out, ":",
       "-np", "1", MPI, "--data", other, "--limit", "50", "--json", out]
p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=60)
ours = [l for l in p.stderr.splitlines() if l.startswith("certify-mpi:")]
check(p.returncode == 2 and len(ours) == 1 and "different data" in ours[0],
      f"different data on rank 1: exit {p.returncode}, messages {ours}")
check(not os.path.exists(out), "different data: no output file")

# Bad usage: a grid that does not match the process count.
p = mpirun(2, ["--data", BUNDLED, "--limit", "50", "--grid", "3x1", "--json", out])
ours = [l for l in p.stderr.splitlines() if l.startswith("certify-mpi:")]
check(p.returncode == 2 and len(ours) == 1 and "--grid" in ours[0], f"bad grid: exit {p.returncode}, {ours}")
check(not os.path.exists(out), "bad grid: no output file")

# Centring that is not exact in binary64 is refused, not approximated.
p = mpirun(2, ["--data", "synthetic:sphere?n=30&d=5&seed=1", "--center", "--json", out])
ours = [l for l in p.stderr.splitlines() if l.startswith("certify-mpi:")]
check(p.returncode == 2 and len(ours) == 1 and "--center" in ours[0], f"inexact centring: exit {p.returncode}, {ours}")
check(not os.path.exists(out), "inexact centring: no output file")

# An unreachable --rtol: exit 1 with the honest enclosure.
p = mpirun(2, ["--data", BUNDLED, "--limit", "200", "--center", "--normalize", "sphere", "--rtol", "1e-15", "--json", "-"])
check(p.returncode == 1, f"rtol 1e-15: exit {p.returncode}")
if p.returncode == 1:
    j = json.loads(p.stdout)
    e = interval(j)
    check(not j["lambda_min"]["certified"] and 0 < e[0] <= e[1], "rtol 1e-15: enclosure reported, not certified")

# Exact zero: identical rows give lambda_min = 0 exactly on every grid.
dup = os.path.join(tmp, "dup.csv")
with open(dup, "w") as g:
    g.write("1,2,3\n4,5,7\n1,2,3\n-1,0,2\n")
p = mpirun(2, ["--data", dup, "--json", "-"])
check(p.returncode == 0 and json.loads(p.stdout)["lambda_min"]["upper"] == "0", f"duplicate rows: exit {p.returncode}")

print(f"{checks - len(failures)} of {checks} checks passed in {time.time() - t0:.1f} s")
sys.exit(1 if failures else 0)
