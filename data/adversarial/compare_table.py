#!/usr/bin/python3
"""Runs `certify compare` on every adversarial case of data/README.md and prints the comparison
table (Markdown) with the exact command of each row.

Usage: /usr/bin/python3 data/adversarial/compare_table.py PATH/TO/certify   (from the repository root)
"""

import json
import subprocess
import sys

CASES = [
    ("data/adversarial/near-duplicates-1e-6.csv", "--depth 3"),
    ("data/adversarial/near-duplicates-1e-8.csv", "--depth 3"),
    ("data/adversarial/near-duplicates-1e-10.csv", "--depth 3"),
    ("data/adversarial/collinear-grid-50.csv", "--depth 3"),
    ("data/adversarial/collinear-50.csv", "--depth 3"),
    ("data/adversarial/cone-2000.csv", "--limit 250 --depth 3 --rtol 1e-4"),
    ("data/adversarial/cone-2000.csv", "--limit 500 --depth 3 --rtol 1e-4"),
    ("data/adversarial/cone-2000.csv", "--limit 750 --depth 3 --rtol 1e-4"),
    ("data/adversarial/cone-2000.csv", "--limit 1000 --depth 3 --rtol 1e-4"),
    ("data/adversarial/cone-2000.csv", "--limit 2000 --depth 3 --rtol 1e-4"),
    ("data/fashion-mnist-test-500.csv", "--depth 3 --center --normalize sphere"),
]


def g(x, digits=3):
    return "–" if x is None else f"{x:.{digits}g}"


def main():
    certify = sys.argv[1] if len(sys.argv) > 1 else "build/certify/certify"
    print("| data | options | certified λ_min | computation | float λ_min | inside | rel. error "
          "| neg. eig. | NaNs | entries outside | max abs excess |")
    print("| --- | --- | --- | --- | ---: | :---: | ---: | ---: | ---: | ---: | ---: |")
    for data, options in CASES:
        cmd = [certify, "compare", "--data", data] + options.split() + ["--quiet", "--json", "-"]
        j = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        lm = j["certified"]["lambda_min"]
        cert = f"[{float(lm['lower']):.10e}, {float(lm['upper']):.10e}]"
        if lm["precision_bits"] > 53:
            cert += f" ({lm['precision_bits']} bits)"
        name = data.split("/")[-1]
        for label, block in (("float64", j["float64"]), ("float32", j["float32"]),
                             ("atan2-float64", j["float64"]["atan2"]),
                             ("atan2-float32", j["float32"]["atan2"])):
            first = label == "float64"
            print(f"| {name if first else ''} | {options if first else ''} | {cert if first else ''} "
                  f"| {label} | {g(block['lambda_min'], 6)} | {'yes' if block['lambda_min_inside'] else '**no**'} "
                  f"| {g(block['lambda_min_rel_error'])} | {block['negative_eigenvalues']} "
                  f"| {block['nan_count']} | {block['entries_outside']}/{block['entries']} "
                  f"| {g(block['max_abs_excess'])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
