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
  network given as numpy weight matrices (``certify empirical --lambda-only``);
* :func:`lipschitz` -- the certified product bound of a network's l2 Lipschitz constant
  (``certify lipschitz --methods product``);
* :func:`hermite` -- exact Hermite coefficients of ReLU or the step and their enclosures
  (``certify hermite``);
* :func:`check` -- independent re-verification of a certificate file (``certify check``).

``X`` is a 2-D array of numbers (rows are data points; float64, float32 or integers below 2**53,
taken exactly) or a ``--data`` SPEC string such as ``"data.csv"`` or
``"synthetic:sphere?n=50&d=10&seed=1"``. Bad input raises :class:`ValueError` with the message the
command line prints. Long computations release the GIL (and run one at a time).

Every certified number is an :class:`Enclosure`: exact decimal strings ``lower``/``upper`` rounded
outward, the same as ``fractions.Fraction`` (``lower_fraction``/``upper_fraction``) and as floats
rounded outward (``lower_float`` <= true value <= ``upper_float``). The mathematics is in
docs/math.md, the numerical methods in docs/numerics.md.
"""

from __future__ import annotations

import json as _json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional, Union

try:
    from . import _ntkcert as _impl  # installed layout: the extension inside the package
except ImportError:  # build-tree layout: the extension next to the package directory
    import _ntkcert as _impl  # type: ignore[no-redef]

__version__ = _impl.__version__
__all__ = ["Enclosure", "LambdaMin", "EmpiricalLambdaMin", "KernelEnclosure", "lambda_min", "kernel",
           "chain", "compare", "empirical", "lipschitz", "hermite", "check"]


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
    """λ_min of the empirical NTK ``J Jᵀ`` lies in ``[lower, upper]`` (see :func:`empirical`);
    ``parameters`` is the network's parameter count, ``network_sha256`` the hash of its doubles."""

    parameters: int = 0
    network_sha256: str = ""


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
    r = _impl.lambda_min(X, int(depth), bool(center), str(normalize), str(convention), float(rtol),
                         precision, max_precision, int(offset), limit)
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
    r = _impl.kernel(X, int(depth), str(which), layer, str(convention), bool(center), str(normalize),
                     precision, int(offset), limit)
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
    r = _impl.chain(X, int(depth), o, bool(center), str(normalize), str(convention), float(rtol),
                    precision, max_precision, int(offset), limit)
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
    r = _impl.compare(X, int(depth), bool(center), str(normalize), str(convention), float(rtol),
                      precision, max_precision, int(offset), limit)
    r["lambda_min"] = _lambda_min_from(r["lambda_min"])
    return r


def empirical(X, weights, biases=None, *, output: Optional[int] = None, center: bool = False,
              normalize: str = "none", rtol: float = 1e-6, precision: Union[str, int] = "auto",
              max_precision: int = 4096, offset: int = 0, limit: Optional[int] = None) -> LambdaMin:
    """Certified enclosure of λ_min of the empirical NTK ``K = J Jᵀ`` of a concrete ReLU network.

    ``weights`` is a list of float arrays W_1..W_L of shape (out, in) as PyTorch stores them;
    ``biases`` an optional list of b_1..b_L; ``output`` picks one output unit when n_L > 1. The
    network is exactly these doubles (source "python", sha256 of the concatenated little-endian
    float64 bytes of W_1..W_L then b_1..b_L, in ``network_sha256``). The result contains λ_min of K
    for the exactly preprocessed rows of ``X``; ``json`` holds the command, data, lambda_min and
    attempts blocks of ``certify empirical --lambda-only --json -`` (the per-layer and
    infinite-width blocks are not computed here).
    """
    r = _impl.empirical(X, list(weights), None if biases is None else list(biases), output, bool(center),
                        str(normalize), float(rtol), precision, max_precision, int(offset), limit)
    lam = _lambda_min_from(r)
    return EmpiricalLambdaMin(lam.lower, lam.upper, lam.lower_float, lam.upper_float, certified=lam.certified,
                              precision_bits=lam.precision_bits, seconds=lam.seconds, rtol=lam.rtol,
                              relative_width=lam.relative_width, exact_zero=lam.exact_zero,
                              float64=lam.float64, sha256=lam.sha256, json=lam.json,
                              parameters=r["parameters"], network_sha256=r["network_sha256"])


def lipschitz(weights, biases=None) -> dict:
    """Certified upper bound of the l2 Lipschitz constant of the ReLU network ``weights``/``biases``
    (lists of W_l of shape (out, in) and b_l, as for :func:`empirical`) by the product of the
    layers' spectral norms (``certify lipschitz --methods product``).

    Returns ``{"lower", "upper", "lower_float", "upper_float", "certified", "method": "product",
    "layers": [{"layer", "lower", "upper", "lower_float", "upper_float", "power_iteration"}, ...],
    "float_estimate", "seconds", "network_sha256", "widths"}``: the constant is <= ``upper`` and each
    ``||W_l||_2`` lies in its layer's [lower, upper] (decimal strings rounded outward);
    ``bound`` is the :class:`Enclosure` of the constant, ``layers[i]["enclosure"]`` of each norm.
    """
    r = _impl.lipschitz(list(weights), None if biases is None else list(biases))
    r["bound"] = Enclosure._from(r)
    for e in r["layers"]:
        e["enclosure"] = Enclosure._from(e)
    return r


def hermite(order: int = 10, activation: str = "relu", precision: int = 64) -> dict:
    """Hermite coefficients of ReLU ("relu") or of the step σ' ("step") for r = 0..order.

    Returns ``{"activation", "order", "precision_bits", "coefficients": [{"r", "c", "mu",
    "c_exact", "mu_exact"}, ...], "partial_sum", "tail_mass"}`` where ``c``/``mu``/``partial_sum``/
    ``tail_mass`` are :class:`Enclosure` objects and the exact forms (strings like "1/(24*pi)") are
    given up to order 1000. ``c_r = 2 μ_r²`` are the coefficients of κ₁ (relu) or κ₀ (step), and the
    tail mass ``1 - S_R`` bounds the truncation error on [-1, 1].
    """
    r = _impl.hermite(int(order), str(activation), int(precision))
    for e in r["coefficients"]:
        e["c"] = Enclosure._from(e["c"])
        e["mu"] = Enclosure._from(e["mu"])
    r["partial_sum"] = Enclosure._from(r["partial_sum"])
    r["tail_mass"] = Enclosure._from(r["tail_mass"])
    return r


def check(certificate_path: str, *, precision: int = 128, method: str = "auto") -> dict:
    """Re-verifies a certificate written by ``certify ntk --certificate`` (docs/certificates.md).

    Returns ``{"valid", "reason", "lower_proof", "upper_proof", "data_spec", "precision_bits",
    "seconds"}``; ``valid`` is False with the reason for an invalid claim. A malformed certificate or
    unreadable data raises ValueError.
    """
    return _impl.check(str(certificate_path), int(precision), str(method))
