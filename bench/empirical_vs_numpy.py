#!/usr/bin/python3
"""Benchmark: `certify empirical --lambda-only` (certified λ_min of the empirical NTK) against the
numpy float64 pipeline of the same formula plus eigvalsh (bench/empirical_numpy.py), on the same
network and rows, run alternately in the same run; prints median wall times, the ratio and each
side's peak memory (maximum resident set size).

    bench/empirical_vs_numpy.py [--runs 5] [--limit 1000] [--widths 784,2000,2000,1] [--seed 1]

Both sides are whole processes (start-up, loading and output included). The network is
random:widths=...&init=he&seed=S, saved once with --save-network so that numpy reads the same doubles."""
import argparse, os, resource, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)

def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if r.returncode not in (0, 1):
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    return dt, r.stdout

def peak_rss_kb(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--widths", default="784,2000,2000,1")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--certify", default=os.path.join(root, "build", "certify", "certify"))
    a = p.parse_args()
    spec = f"random:widths={a.widths}&init=he&seed={a.seed}"
    with tempfile.TemporaryDirectory() as tmp:
        npz = os.path.join(tmp, "net.npz")
        base = [a.certify, "empirical", "--network", spec, "--data", "fashion-mnist:test", "--limit", str(a.limit),
                "--center", "--normalize", "sphere", "--lambda-only", "--quiet", "--json", "-"]
        r = subprocess.run(base + ["--save-network", npz], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"certify failed ({r.returncode}):\n{r.stderr}")
        cert = base
        nump = ["/usr/bin/python3", os.path.join(here, "empirical_numpy.py"), "--network", npz, "--limit", str(a.limit)]
        timed(cert); timed(nump)  # warm-up
        tc, tn, ratios = [], [], []
        last_c = last_n = ""
        for _ in range(a.runs):
            c, last_c = timed(cert)
            n, last_n = timed(nump)
            tc.append(c); tn.append(n); ratios.append(c / n)
        mc, mn = peak_rss_kb(cert), peak_rss_kb(nump)
    import json
    j = json.loads(last_c)
    lm = j["lambda_min"]
    print(f"job: {spec}, Fashion-MNIST test N = {a.limit}, centred, sphere; {a.runs} runs each, alternating")
    print(f"certify empirical (certified)  median {statistics.median(tc):.3f} s  (min {min(tc):.3f}, max {max(tc):.3f})  peak RSS {mc / 1024:.0f} MB")
    print(f"numpy float64 (eigvalsh)       median {statistics.median(tn):.3f} s  (min {min(tn):.3f}, max {max(tn):.3f})  peak RSS {mn / 1024:.0f} MB")
    print(f"ratio certify / numpy          median {statistics.median(ratios):.2f}  (min {min(ratios):.2f}, max {max(ratios):.2f})")
    print(f"certified lambda_min [{lm['lower']}, {lm['upper']}]  certified={lm['certified']}  relative width {lm['relative_width']:.3g}")
    print(f"numpy: {last_n.strip()}")

if __name__ == "__main__":
    main()
