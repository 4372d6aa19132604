#!/usr/bin/env python3
"""Independent LipSDP reference with cvxopt's solvers.sdp (docs/math.md §6), written from the formula
    M(rho, T) = [A; B]' [[-2 diag(alpha beta t), diag((alpha+beta) t)],
                         [diag((alpha+beta) t), -2 diag(t)]] [A; B] + blkdiag(-rho I, 0, ..., W_L' W_L),
    A = [blkdiag(W_1, ..., W_{L-1}) | 0],  B = [0 | I]   (dense, no elimination, no scaling).
Solves  min rho  s.t.  -M(rho, T) >= 0,  t >= 0  (t per neuron, or one tau per layer).

Usage: lipsdp_cvxopt.py NETWORK_FILE neuron|layer
NETWORK_FILE: line 1 "n0 n1 ... nL"; then L lines, W_l row-major (out x in); optionally a line
"alpha a_1 ... a_n" and a line "beta b_1 ... b_n" (hidden neurons in network order).
Prints "primal P dual D status S": P = cvxopt's primal objective (rho of a feasible point up to
feastol), D = its dual objective (a lower bound of the optimal rho up to feastol)."""

import sys

import numpy as np
from cvxopt import matrix, solvers


def main():
    path, variant = sys.argv[1], sys.argv[2]
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    widths = [int(x) for x in lines[0]]
    L = len(widths) - 1
    Ws = [np.array([float(x) for x in lines[1 + l]]).reshape(widths[l + 1], widths[l]) for l in range(L)]
    nh = sum(widths[1:L])
    alpha, beta = np.zeros(nh), np.ones(nh)
    for ln in lines[1 + L:]:
        if ln[0] == "alpha":
            alpha = np.array([float(x) for x in ln[1:]])
        elif ln[0] == "beta":
            beta = np.array([float(x) for x in ln[1:]])
    n0 = widths[0]
    N = n0 + nh
    A = np.zeros((nh, N))
    r = c = 0
    for l in range(L - 1):
        A[r:r + widths[l + 1], c:c + widths[l]] = Ws[l]
        r += widths[l + 1]
        c += widths[l]
    B = np.hstack([np.zeros((nh, n0)), np.eye(nh)])
    AB = np.vstack([A, B])
    CL = np.zeros((N, N))
    nlast = widths[L - 1]
    CL[N - nlast:, N - nlast:] = Ws[L - 1].T @ Ws[L - 1]
    E0 = np.zeros((N, N))
    E0[:n0, :n0] = np.eye(n0)

    def F(i):  # d M / d t_i
        Q = np.zeros((2 * nh, 2 * nh))
        Q[i, i] = -2 * alpha[i] * beta[i]
        Q[i, nh + i] = Q[nh + i, i] = alpha[i] + beta[i]
        Q[nh + i, nh + i] = -2
        return AB.T @ Q @ AB

    Fs = [F(i) for i in range(nh)]
    if variant == "layer":
        groups, s = [], 0
        for l in range(1, L):
            groups.append(sum(Fs[s:s + widths[l]]))
            s += widths[l]
        Fs = groups
    m = 1 + len(Fs)
    # h - sum x_k G_k >= 0 with x = (rho, t), h = -C_L, G_rho = -E0, G_t = F.
    G = np.zeros((N * N, m))
    G[:, 0] = -E0.flatten(order="F")
    for k, Fk in enumerate(Fs):
        G[:, 1 + k] = Fk.flatten(order="F")
    h = -CL
    c = np.zeros(m)
    c[0] = 1
    Gl = np.zeros((m - 1, m))
    for k in range(m - 1):
        Gl[k, 1 + k] = -1
    solvers.options["show_progress"] = False
    solvers.options["abstol"] = 1e-8
    solvers.options["reltol"] = 1e-8
    solvers.options["feastol"] = 1e-8
    solvers.options["maxiters"] = 200
    sol = solvers.sdp(matrix(c), Gl=matrix(Gl), hl=matrix(np.zeros(m - 1)), Gs=[matrix(G)], hs=[matrix(h)])
    print("primal %.17g dual %.17g status %s" % (sol["primal objective"], sol["dual objective"], sol["status"]))


if __name__ == "__main__":
    main()
