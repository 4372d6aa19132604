#!/usr/bin/python3
"""Benchmark: `certify ntk` (certified) against numpy float64 (uncertified) on the same job,
run alternately in the same run; prints each side's median wall time and the ratio.

    bench/ntk_vs_numpy.py [--runs 5] [--limit 1000] [--depth 3]

Both commands are whole processes (start-up, data loading and output included)."""
import argparse, os, statistics, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if r.returncode not in (0, 1):
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return dt, r.stdout

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--certify", default=os.path.join(root, "build", "certify", "certify"))
    a = p.parse_args()
    cert = [a.certify, "ntk", "--data", "fashion-mnist:test", "--limit", str(a.limit), "--depth", str(a.depth),
            "--center", "--normalize", "sphere", "--quiet", "--json", "-"]
    nump = ["/usr/bin/python3", os.path.join(here, "numpy_ntk.py"), "--limit", str(a.limit), "--depth", str(a.depth)]
    timed(cert); timed(nump)  # warm-up: page cache, lazy loading
    tc, tn, ratios = [], [], []
    last_c = last_n = ""
    for _ in range(a.runs):
        c, last_c = timed(cert)
        n, last_n = timed(nump)
        tc.append(c); tn.append(n); ratios.append(c / n)
    print(f"job: Fashion-MNIST test, N = {a.limit}, d = 784, depth {a.depth}, centred, sphere; {a.runs} runs each, alternating")
    print(f"certify ntk (certified)   median {statistics.median(tc):.3f} s  (min {min(tc):.3f}, max {max(tc):.3f})")
    print(f"numpy float64 (eigvalsh)  median {statistics.median(tn):.3f} s  (min {min(tn):.3f}, max {max(tn):.3f})")
    print(f"ratio certify/numpy       median {statistics.median(ratios):.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f})")
    import json
    try:
        j = json.loads(last_c)
        lm = j["lambda_min"]
        print(f"certified lambda_min in [{lm['lower']}, {lm['upper']}] certified={lm['certified']} "
              f"precision={lm['precision_bits']} bits; float64 (certify) {j.get('float64', {}).get('lambda_min')}")
    except Exception:
        pass
    print("numpy:", last_n.strip())

if __name__ == "__main__":
    main()
