#!/usr/bin/python3
"""Benchmark: `certify ntk` (certified) against numpy float64 (uncertified) on the same job,
run alternately in the same run; prints each side's median wall time, CPU time (user + system, all
threads) and peak resident memory, and the ratios.

    bench/ntk_vs_numpy.py [--runs 5] [--limit 1000] [--split train|test] [--depth 3] [--float64 MODE]

Both commands are whole processes (start-up, data loading and output included). --float64 is passed
to `certify ntk` (auto: the full LAPACK comparison up to N = 500, the O(N^2) Rayleigh quotient above).
On a machine shared with other work, wall times vary; CPU times and the same-run ratio vary less."""
import argparse, json, os, platform, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def timed(cmd):
    """(wall s, cpu s, peak RSS MB, stdout) of one whole process."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode not in (0, 1):
            sys.exit(f"command failed ({p.returncode}): {' '.join(cmd)}\n{err.read()}")
        return dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out.read()


def summary(name, xs, unit):
    return f"{name:<28} median {statistics.median(xs):8.3f} {unit}  (min {min(xs):.3f}, max {max(xs):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--limit", type=int, default=1000, help="N, the number of rows")
    p.add_argument("--split", choices=["train", "test"], default="train")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--float64", default="auto", help="passed to certify ntk --float64")
    p.add_argument("--certify", default=os.path.join(root, "build", "certify", "certify"))
    a = p.parse_args()
    cert = [a.certify, "ntk", "--data", f"fashion-mnist:{a.split}", "--limit", str(a.limit), "--depth",
            str(a.depth), "--center", "--normalize", "sphere", "--float64", a.float64, "--quiet", "--json", "-"]
    nump = ["/usr/bin/python3", os.path.join(here, "numpy_ntk.py"), "--split", a.split, "--limit", str(a.limit),
            "--depth", str(a.depth)]
    timed(cert); timed(nump)  # warm-up: page cache, lazy loading
    rows = {"certify": ([], [], []), "numpy": ([], [], [])}
    ratios, cpu_ratios = [], []
    last_c = last_n = ""
    for _ in range(a.runs):
        c = timed(cert)
        n = timed(nump)
        last_c, last_n = c[3], n[3]
        for key, r in (("certify", c), ("numpy", n)):
            for k in range(3):
                rows[key][k].append(r[k])
        ratios.append(c[0] / n[0])
        cpu_ratios.append(c[1] / n[1])
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"job: Fashion-MNIST {a.split}, N = {a.limit}, d = 784, depth {a.depth}, centred, sphere; "
          f"{a.runs} runs each, alternating; {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
          f"load average {load:.1f} at the end")
    for key, label in (("certify", "certify ntk (certified)"), ("numpy", "numpy float64 (eigvalsh)")):
        w, cpu, mem = rows[key]
        print(summary(label + " wall", w, "s"))
        print(summary(label + " cpu", cpu, "s"))
        print(f"{label + ' peak RSS':<28} max    {max(mem):8.0f} MB")
    print(summary("ratio certify/numpy wall", ratios, " "))
    print(summary("ratio certify/numpy cpu", cpu_ratios, " "))
    try:
        j = json.loads(last_c)
        lm = j["lambda_min"]
        f = j.get("float64", {})
        print(f"certified lambda_min in [{lm['lower']}, {lm['upper']}] certified={lm['certified']} "
              f"precision={lm['precision_bits']} bits relative width {lm['relative_width']:.3g}; "
              f"float64 (certify, {f.get('method')}) {f.get('lambda_min')}")
    except (ValueError, KeyError):
        pass
    print("numpy:", last_n.strip())


if __name__ == "__main__":
    main()
