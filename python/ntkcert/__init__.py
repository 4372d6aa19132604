"""Certified bounds on the neural tangent kernel of deep ReLU networks, from Python.

The functions mirror the ``certify`` commands and run the same library code:

* :func:`lambda_min` -- a certified enclosure of the smallest eigenvalue of the infinite-width NTK
  ``K^(L)`` of the rows of ``X`` (``certify ntk``);
* :func:`kernel` -- certified entrywise enclosures of ``K^(l)``, ``G^(l)`` or ``Gdot^(l)`` as two
  float64 arrays rounded outward (``certify kernel``);
* :func:`chain` -- λ_min together with the certified lower-bound chain of the proof (schur,
  hermite:r, gershgorin:r, scale:r, upper links; ``certify ntk --chain``);
* :func:`compare` -- plain float64/float32 kernels and LAPACK eigenvalues measured against the
  certified answer (``certify compare``);
* :func:`empirical` -- a certified enclosure of λ_min of the empirical NTK ``J Jᵀ`` of a concrete
  network given as numpy weight matrices, with the per-layer bounds (Jlb, Jub), the infinite-width
  prediction and the theorem scales (``certify empirical``);
* :func:`lipschitz` -- a certified bracket of a network's l2 Lipschitz constant by the product
  bound, LipSDP and the Jacobian lower bound, optionally local brackets on balls around data rows
  (``certify lipschitz``); :func:`lipschitz_feature_map` for the infinite-width feature maps
  (``certify lipschitz --feature-map``);
* :func:`hermite` -- exact Hermite coefficients of ReLU or the step and their enclosures
  (``certify hermite``);
* :func:`check` -- independent re-verification of a certificate file (``certify check``).

``X`` is a 2-D array of numbers (rows are data points; float64, float32 or integers below 2**53,
taken exactly) or a ``--data`` SPEC string such as ``"data.csv"`` or
``"synthetic:sphere?n=50&d=10&seed=1"``. Keyword arguments are parsed by the ``certify`` command's own
option declarations (``time_limit`` is ``--time-limit``), so defaults, ranges and messages are the
command line's; bad input raises :class:`ValueError` with the message the command line prints. Long computations release the GIL (and run one at a time) and stop within
about a second on Ctrl-C (SIGINT), raising KeyboardInterrupt and writing nothing.

Every certified number is an :class:`Enclosure`: exact decimal strings ``lower``/``upper`` rounded
outward, the same as ``fractions.Fraction`` (``lower_fraction``/``upper_fraction``) and as floats
rounded outward (``lower_float`` <= true value <= ``upper_float``). The mathematics is in
docs/math.md, the numerical methods in docs/numerics.md.
"""

from __future__ import annotations

import json as _json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional, Union

try:
    from . import _ntkcert as _impl  # installed layout: the extension inside the package
except ImportError:  # build-tree layout: the extension next to the package directory
    import _ntkcert as _impl  # type: ignore[no-redef]

__version__ = _impl.__version__
__all__ = ["Enclosure", "LambdaMin", "EmpiricalLambdaMin", "KernelEnclosure", "lambda_min", "kernel",
           "chain", "compare", "empirical", "lipschitz", "lipschitz_feature_map", "hermite", "check"]


def _fraction(s: str) -> Optional[Fraction]:
    """The exact value of an outward decimal string; None for "inf"/"-inf"/"nan" (no bound)."""
    if s in ("inf", "-inf", "nan"):
        return None
    return Fraction(s)


@dataclass(frozen=True)
class Enclosure:
    """A certified enclosure ``lower <= value <= upper``.

    ``lower``/``upper`` are decimal strings rounded outward (exact numbers; "-inf"/"inf" when a side
    was not proved), ``lower_float``/``upper_float`` the same rounded outward to doubles.
    """

    lower: str
    upper: str
    lower_float: float
    upper_float: float

    @property
    def lower_fraction(self) -> Optional[Fraction]:
        """The lower bound as an exact Fraction (None when not proved)."""
        return _fraction(self.lower)

    @property
    def upper_fraction(self) -> Optional[Fraction]:
        """The upper bound as an exact Fraction (None when not proved)."""
        return _fraction(self.upper)

    def __contains__(self, x: Union[int, float, Fraction]) -> bool:
        lo, hi = self.lower_fraction, self.upper_fraction
        q = Fraction(x)
        return (lo is None or lo <= q) and (hi is None or q <= hi)

    def __str__(self) -> str:
        return f"[{self.lower}, {self.upper}]"

    @classmethod
    def _from(cls, d: dict) -> "Enclosure":
        return cls(d["lower"], d["upper"], d["lower_float"], d["upper_float"])

    @classmethod
    def _from_strings(cls, lower: str, upper: str) -> "Enclosure":
        """From outward decimal strings (as in the CLI's JSON); the floats rounded outward."""
        return cls(lower, upper, _float_toward(lower, -1), _float_toward(upper, +1))


def _float_toward(s: str, direction: int) -> float:
    """The double next to the decimal s in the given direction (-1: largest <= s, +1: smallest >= s)."""
    q = _fraction(s)
    if q is None:
        return float(s)
    f = float(q)  # correctly rounded to nearest
    if direction < 0 and Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    elif direction > 0 and Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


@dataclass(frozen=True)
class LambdaMin(Enclosure):
    """λ_min of ``f·K^(L)`` of the exactly preprocessed rows lies in ``[lower, upper]``.

    ``certified``: the relative width meets ``rtol`` (or λ_min = 0 was proven exactly, then
    ``exact_zero`` holds the reason). ``float64`` is what plain float64 code says (no guarantee).
    ``json`` is the text ``certify ntk --json -`` prints for the same job.
    """

    certified: bool = False
    precision_bits: int = 53
    seconds: float = 0.0
    rtol: float = 1e-6
    relative_width: float = float("inf")
    exact_zero: Optional[str] = None
    float64: Optional[float] = None
    attempts: list = field(default_factory=list)
    sha256: str = ""
    json: str = ""

    @property
    def data(self) -> dict:
        """The parsed JSON document (as the command line writes it)."""
        return _json.loads(self.json)


@dataclass(frozen=True)
class EmpiricalLambdaMin(LambdaMin):
    """λ_min of the empirical NTK ``J Jᵀ`` lies in ``[lower, upper]`` (see :func:`empirical`).

    ``parameters`` is the network's parameter count P, ``network_sha256`` the hash of its doubles.
    ``layers`` (None with ``lambda_only``): per k = 0..L-1 ``{"k", "gram_lambda_min": Enclosure of
    λ_min(F_k F_kᵀ), "gram_certified", "gram_note", "backward_min_sq": Enclosure of
    min_i ‖b_{k+1}(x_i)‖², "schur_term": Enclosure, "theorem_5_1_scale"}``; ``schur_bound`` the
    Enclosure of Jlb = Σ_k λ_min(F_kF_kᵀ)·min_i‖b_{k+1}(x_i)‖² with ``schur_holds`` (Jlb <= λ_min:
    True, False or "undecided"); ``diagonal_min`` the Enclosure of Jub = min_i K_ii with
    ``diagonal_holds`` (Jub >= λ_min); ``infinite_width`` ``{"lambda_min": Enclosure or None,
    "certified", "relative_frobenius_distance", "note"}``; ``theorem_4_1_scale``; ``activations``
    ``{"undecided", "exact_zeros", "refined_exactly", "rows_refined"}``; ``exit_status`` what
    ``certify empirical`` would exit with (0 certified, 1 not); ``certificate`` the path written.
    """

    parameters: int = 0
    network_sha256: str = ""
    layers: Optional[list] = None
    schur_bound: Optional[Enclosure] = None
    schur_holds: Any = None
    diagonal_min: Optional[Enclosure] = None
    diagonal_holds: Any = None
    infinite_width: Optional[dict] = None
    theorem_4_1_scale: Optional[float] = None
    activations: Optional[dict] = None
    exit_status: int = 1
    certificate: Optional[str] = None


@dataclass(frozen=True)
class KernelEnclosure:
    """Entrywise enclosures: ``lower[i, j] <= M[i, j] <= upper[i, j]`` for the exact matrix M."""

    lower: Any
    upper: Any
    layer: int
    precision_bits: int
    max_width: float
    max_relative_width: float
    json: str

    def __iter__(self):
        return iter((self.lower, self.upper))


def lambda_min(X, depth: int = 3, *, center: bool = False, normalize: str = "none",
               convention: str = "paper", rtol: float = 1e-6, precision: Union[str, int] = "auto",
               max_precision: int = 4096, offset: int = 0, limit: Optional[int] = None) -> LambdaMin:
    """Certified enclosure of λ_min of the depth-``depth`` ReLU NTK of the rows of ``X``.

    Options as in ``certify ntk``: ``center`` subtracts the column mean exactly, ``normalize`` is
    "none", "sphere" (rows of norm √d) or "unit"; ``convention`` "paper", "neural-tangents" (K/d) or
    "uci" (K/2^(L-1)); ``precision`` "auto" escalates from double through 128, 256, ... bits up to
    ``max_precision`` until the relative width meets ``rtol``; an integer fixes it (53 = double).
    ``offset``/``limit`` select rows. The result is always an honest enclosure; ``certified`` tells
    whether it met ``rtol``.
    """
    r = _impl.lambda_min(X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit)
    base = Enclosure._from(r)
    return LambdaMin(base.lower, base.upper, base.lower_float, base.upper_float,
                     certified=r["certified"], precision_bits=r["precision_bits"], seconds=r["seconds"],
                     rtol=r["rtol"], relative_width=r["relative_width"], exact_zero=r["exact_zero"],
                     float64=r["float64"],
                     attempts=[dict(a, enclosure=Enclosure._from(a)) for a in r["attempts"]],
                     sha256=r["sha256"], json=r["json"])


def kernel(X, depth: int = 3, *, which: str = "K", layer: Optional[int] = None,
           convention: str = "paper", center: bool = False, normalize: str = "none",
           precision: Union[str, int] = "auto", offset: int = 0,
           limit: Optional[int] = None) -> KernelEnclosure:
    """Certified enclosures of every entry of ``K^(layer)`` (``which="K"``), ``G^(layer)`` ("G") or
    ``Gdot^(layer)`` ("Gdot", layer >= 2) as ``(lower, upper)`` float64 arrays rounded outward.

    ``layer`` defaults to ``depth``. K and G are scaled by the convention, Gdot never. ``precision``
    "auto" uses the double tier; an integer above 53 computes the entries in MPFI.
    The result unpacks as ``lower, upper = kernel(X, 3)``.
    """
    r = _impl.kernel(X, depth, which, layer, convention, center, normalize, precision, offset, limit)
    return KernelEnclosure(r["lower"], r["upper"], r["layer"], r["precision_bits"], r["max_width"],
                           r["max_relative_width"], r["json"])


def _lambda_min_from(r: dict) -> LambdaMin:
    base = Enclosure._from(r)
    return LambdaMin(base.lower, base.upper, base.lower_float, base.upper_float,
                     certified=r["certified"], precision_bits=r["precision_bits"], seconds=r["seconds"],
                     rtol=r["rtol"], relative_width=r["relative_width"], exact_zero=r["exact_zero"],
                     float64=r.get("float64"),
                     attempts=[dict(a, enclosure=Enclosure._from(a)) for a in r.get("attempts", [])],
                     sha256=r.get("sha256", ""), json=r.get("json", ""))


def chain(X, depth: int = 3, orders=(2, 4), *, center: bool = False, normalize: str = "none",
          convention: str = "paper", rtol: float = 1e-6, precision: Union[str, int] = "auto",
          max_precision: int = 4096, offset: int = 0, limit: Optional[int] = None) -> dict:
    """λ_min of the NTK and the certified lower-bound chain of docs/math.md §4 (``certify ntk --chain``).

    ``orders`` are the Hermite orders r (a sequence of ints or a "2,4" string). Returns
    ``{"lambda_min": LambdaMin, "links": [{"link", "value": Enclosure, "claim", "holds",
    "precondition", "ratio", "note"}, ...], "orders", "precision_bits", "seconds", "undecided",
    "json"}``. Each link's value lies in its Enclosure; ``holds`` is True (claim certified), False
    (certified to fail), "undecided" or None (the link claims nothing). ``json`` is what
    ``certify ntk --chain --json -`` prints. Other options as in :func:`lambda_min`.
    """
    o = orders if isinstance(orders, str) else ",".join(str(int(k)) for k in orders)
    r = _impl.chain(X, depth, o, center, normalize, convention, rtol, precision, max_precision, offset, limit)
    r["lambda_min"] = _lambda_min_from(r["lambda_min"])
    for link in r["links"]:
        link["value"] = Enclosure._from(link["value"])
        if link["ratio"] is not None:
            link["ratio"] = Enclosure._from(link["ratio"])
    return r


def compare(X, depth: int = 3, *, center: bool = False, normalize: str = "none",
            convention: str = "paper", rtol: float = 1e-6, precision: Union[str, int] = "auto",
            max_precision: int = 4096, offset: int = 0, limit: Optional[int] = None) -> dict:
    """What plain float64/float32 code makes of K^(L), against the certified answer (``certify compare``).

    Returns ``{"lambda_min": LambdaMin (certified enclosure), "entries_precision_bits",
    "max_entry_width", "floats": {"float64", "float32", "atan2-float64", "atan2-float32": report},
    "sha256", "json"}``; a report holds ``lambda_min`` (LAPACK's, no guarantee; None when not
    computed), ``lambda_min_inside``, ``lambda_min_abs_error``/``lambda_min_rel_error`` (lower bounds
    on the true errors), ``negative_eigenvalues``, ``nan_count``, ``entries_outside`` (entries
    provably wrong) of ``entries``, ``max_abs_excess``, ``max_rel_excess``, ``seconds``. ``json`` is
    what ``certify compare --json -`` prints. Options as in :func:`lambda_min`.
    """
    r = _impl.compare(X, depth, center, normalize, convention, rtol, precision, max_precision, offset, limit)
    r["lambda_min"] = _lambda_min_from(r["lambda_min"])
    return r


def empirical(X, weights, biases=None, *, output: Optional[int] = None, layout: str = "detect",
              init: Optional[str] = None, lambda_only: bool = False, center: bool = False,
              normalize: str = "none", rtol: float = 1e-6, precision: Union[str, int] = "auto",
              max_precision: int = 4096, offset: int = 0, limit: Optional[int] = None,
              certificate: Optional[str] = None) -> EmpiricalLambdaMin:
    """Certified enclosure of λ_min of the empirical NTK ``K = J Jᵀ`` of a concrete ReLU network
    (``certify empirical``), with the per-layer decomposition, Jlb/Jub verdicts, the infinite-width
    prediction and the theorem scales (see :class:`EmpiricalLambdaMin`).

    ``weights`` is a list of float arrays W_1..W_L of shape (out, in) as PyTorch stores them, or a
    ``--network`` SPEC string (``"net.npz"``, ``"random:widths=10,50,1&seed=1"``, read with
    ``layout``); ``biases`` an optional list of b_1..b_L; ``output`` picks one output unit when
    n_L > 1. Arrays are exactly these doubles (source "python", ``network_sha256`` = SHA-256 of the
    concatenated little-endian float64 bytes of W_1..W_L then b_1..b_L). The initialisation scales β
    (needed for the infinite-width prediction and the theorem scales) are known for a ``random:``
    SPEC; for arrays, ``init="he"|"lecun"|"normal"`` names the initialisation they were drawn with.
    ``lambda_only`` skips the per-layer bounds and the prediction (``--lambda-only``). Other
    options as in :func:`lambda_min`. ``certificate`` writes a certificate that :func:`check`
    re-verifies (X and weights must then be SPEC strings: the checker re-reads them); it is written
    only after the computation succeeded (atomically). ``json`` is the document ``certify
    empirical --json -`` prints for the same network and data.
    """
    if not isinstance(weights, str):
        weights = list(weights)
    r = _impl.empirical(X, weights, None if biases is None else list(biases), output, layout,
                        None if init is None else str(init), lambda_only, center, normalize, rtol,
                        precision, max_precision, offset, limit, certificate)
    lam = _lambda_min_from(r)
    layers = r["layers"]
    if layers is not None:
        for e in layers:
            for key in ("gram_lambda_min", "backward_min_sq", "schur_term"):
                e[key] = Enclosure._from(e[key])
    inf = r["infinite_width"]
    if inf["lambda_min"] is not None:
        inf["lambda_min"] = Enclosure._from(inf["lambda_min"])
    schur = r["schur_bound"]
    return EmpiricalLambdaMin(lam.lower, lam.upper, lam.lower_float, lam.upper_float, certified=lam.certified,
                              precision_bits=lam.precision_bits, seconds=lam.seconds, rtol=lam.rtol,
                              relative_width=lam.relative_width, exact_zero=lam.exact_zero,
                              float64=lam.float64, attempts=lam.attempts, sha256=lam.sha256, json=lam.json,
                              parameters=r["parameters"], network_sha256=r["network_sha256"], layers=layers,
                              schur_bound=None if schur is None else Enclosure._from(schur),
                              schur_holds=None if schur is None else schur["holds"],
                              diagonal_min=Enclosure._from(r["diagonal_min"]),
                              diagonal_holds=r["diagonal_min"]["holds"], infinite_width=inf,
                              theorem_4_1_scale=r["theorem_4_1_scale"], activations=r["activations"],
                              exit_status=r["exit_status"], certificate=r["certificate"])


_ALL_METHODS = "product,lipsdp-layer,lipsdp-neuron,jacobian"


def lipschitz(weights=None, biases=None, *, methods=_ALL_METHODS, map: str = "g",
              layer: Optional[int] = None, layout: str = "detect", seed: int = 0,
              time_limit: float = 5.0, random_points: int = 64, data=None, offset: int = 0,
              limit: Optional[int] = None, divide: float = 1, radius: Optional[float] = None,
              norm: Optional[str] = None, local_upper: str = "interval",
              feature_map: Optional[str] = None, **feature_map_options) -> dict:
    """Certified bracket ``[lower, upper]`` of the l2 Lipschitz constant of a ReLU network
    ``x -> W_L relu(... relu(W_1 x + b_1) ...) + b_L`` (``certify lipschitz``).

    ``weights``/``biases`` as for :func:`empirical` (lists of arrays W_l of shape (out, in) and
    b_l, or a ``--network`` SPEC string). Options as in the CLI, with its defaults: ``methods`` (a
    comma-separated string or a sequence) from "product" (product of certified spectral norms),
    "lipsdp-layer", "lipsdp-neuron" (LipSDP solved in floating point, re-proven by a verified
    Cholesky test) and "jacobian" (certified ‖J(x)‖ at points whose activation pattern is proven; a
    lower bound; ``seed``, ``time_limit`` seconds of climbing search, ``random_points``);
    ``map="g"|"f"`` and ``layer=k`` bound g_k (layers 1..k) or f_k = relu(g_k); ``data`` (an array
    or a ``--data`` SPEC, rows ``offset``.., at most ``limit``, divided exactly by ``divide``)
    supplies candidate points and, with ``radius`` (and ``norm`` "inf" or "2", ``local_upper``
    "interval", "lipsdp" or "best"), the centres of per-row local brackets.

    Returns ``{"lower", "upper", "lower_float", "upper_float", "bound": Enclosure, "certified",
    "exit_status", "methods": [...], "local", "map", "layer", "widths", "network_sha256",
    "seconds", "json"}``: lower <= ‖map‖_Lip <= upper. Each method entry holds the fields of the
    CLI's JSON entry (e.g. the product's per-layer norms with their ``enclosure``) plus ``kind``
    ("upper"/"lower"), ``certified`` and ``enclosure`` (its proven one-sided bound); ``local`` the
    per-row brackets ``{"points": [{"index", "enclosure", "stable", "unstable_neurons",
    "upper_method", ...}], "all_stable", "seconds"}`` or None. ``json`` is the document ``certify
    lipschitz --json -`` prints.

    With ``feature_map="nngp"|"ntk"`` the call is :func:`lipschitz_feature_map` on ``data``
    (no network; ``depth`` and its other options as keywords).
    """
    if feature_map is not None:
        if weights is not None:
            raise ValueError("feature_map bounds the infinite-width feature maps: give data, not weights")
        if data is None:
            raise ValueError("feature_map needs data (the rows)")
        return lipschitz_feature_map(data, feature_map, offset=offset, limit=limit, **feature_map_options)
    if feature_map_options:
        raise TypeError("unexpected keyword arguments: " + ", ".join(sorted(feature_map_options)))
    if weights is None:
        raise ValueError("--network SPEC is required (weights: a list of arrays or a SPEC string)")
    if not isinstance(weights, str):
        weights = list(weights)
    m = methods if isinstance(methods, str) else ",".join(str(x) for x in methods)
    r = _impl.lipschitz(weights, None if biases is None else list(biases), m, map, layer, layout, seed,
                        time_limit, random_points, data, offset, limit, divide, radius, norm, local_upper)
    r["bound"] = Enclosure._from(r)
    doc = _json.loads(r["json"])
    for e, j in zip(r["methods"], doc["methods"]):
        e["enclosure"] = Enclosure._from(e)
        for key, value in j.items():
            if key not in e:
                e[key] = value
        for lay in e.get("layers", []):
            lay["enclosure"] = Enclosure._from_strings(lay["lower"], lay["upper"])
    if r["local"] is not None:
        for p in r["local"]["points"]:
            p["enclosure"] = Enclosure._from(p)
    return r


def lipschitz_feature_map(X, kind: str = "nngp", depth: int = 3, *, precision: Union[str, int] = "auto",
                          max_precision: int = 1024, center: bool = False, normalize: str = "none",
                          offset: int = 0, limit: Optional[int] = None) -> dict:
    """Lipschitz ratios of the infinite-width feature maps on the rows of ``X``
    (``certify lipschitz --feature-map nngp|ntk``; docs/math.md §6).

    For every layer l = 1..depth: ``max_ratio`` encloses max over pairs of distinct rows of
    (G_ii + G_jj − 2G_ij)/‖x_i − x_j‖² with G = G^(l) ("nngp"; the NNGP feature map is 1-Lipschitz,
    ``holds`` is True when the enclosure lies below 1) or the same for K = K^(l) ("ntk", with
    ``holder_half`` the ratio over ‖x_i − x_j‖). Returns ``{"kind", "layers": [{"l", "max_ratio":
    Enclosure (``witness`` pair in the dict), "holds", "holder_half"}], "ntk_holder_half",
    "ntk_lipschitz_ratio", "pairs", "identical_pairs", "unresolved_pairs", "certified",
    "exit_status", "precision_bits", "seconds", "sha256", "json"}``. ``precision`` "auto"
    escalates from double through 128, 256, ... bits up to ``max_precision`` while a claim is
    undecided.
    """
    r = _impl.lipschitz_feature_map(X, kind, depth, precision, max_precision, center, normalize, offset,
                                    limit)

    def ratio(d):
        d["enclosure"] = Enclosure._from(d)
        return d

    for e in r["layers"]:
        ratio(e["max_ratio"])
        if e["holder_half"] is not None:
            ratio(e["holder_half"])
    ratio(r["ntk_holder_half"])
    ratio(r["ntk_lipschitz_ratio"])
    return r


def hermite(order: int = 10, activation: str = "relu", precision: int = 64) -> dict:
    """Hermite coefficients of ReLU ("relu") or of the step σ' ("step") for r = 0..order.

    Returns ``{"activation", "order", "precision_bits", "coefficients": [{"r", "c", "mu",
    "c_exact", "mu_exact"}, ...], "partial_sum", "tail_mass"}`` where ``c``/``mu``/``partial_sum``/
    ``tail_mass`` are :class:`Enclosure` objects and the exact forms (strings like "1/(24*pi)") are
    given up to order 1000. ``c_r = 2 μ_r²`` are the coefficients of κ₁ (relu) or κ₀ (step), and the
    tail mass ``1 - S_R`` bounds the truncation error on [-1, 1].
    """
    r = _impl.hermite(order, activation, precision)
    for e in r["coefficients"]:
        e["c"] = Enclosure._from(e["c"])
        e["mu"] = Enclosure._from(e["mu"])
    r["partial_sum"] = Enclosure._from(r["partial_sum"])
    r["tail_mass"] = Enclosure._from(r["tail_mass"])
    return r


def check(certificate_path: str, *, precision: int = 128, method: str = "auto") -> dict:
    """Re-verifies a certificate written by ``certify ntk --certificate`` (docs/certificates.md).

    Also re-verifies empirical-NTK certificates (``certify empirical --certificate``).
    Returns ``{"valid", "reason", "lower_proof", "upper_proof", "data_spec", "precision_bits",
    "seconds", "kind": "ntk"|"empirical"}``; ``valid`` is False with the reason for an invalid
    claim. A malformed certificate or unreadable data raises ValueError.
    """
    return _impl.check(certificate_path, precision, method)
