"""Benchmark families (issue 19): many members of each kind of problem, ours beside every peer.

    python benchmarks/families.py                          # every family, full size
    python benchmarks/families.py --family sparse-l1       # one family
    python benchmarks/families.py --member dense-300kx80   # one member
    python benchmarks/families.py --size tiny --quick      # smoke test (seconds)

Families (generators in :mod:`family_data`):

- ``dense-l2``: binary L2, n from 100k to 2M, d from 20 to 500; correlated (redundant)
  columns, unscaled and offset columns, float32; C from 0.1 to 10.
- ``sparse-l1``: binary L1 on text-like CSR data: Zipf column frequencies with several
  exponents, 20–200 non-zeros per row, C from 0.1 to 10, with and without intercept.
- ``multinomial-l2``: k from 3 to 20, dense, some unscaled.
- ``multinomial-l1``: L1 and elastic-net, k from 3 to 20, n·d·k from 5e3 to 3e6.

For every member: our default ``LogisticRegression`` (median of ``--repeats`` after one
warm-up fit on a slice, so compiled kernels are loaded), then each peer that applies at
tol=1e-4 and, when that run did not reach a relative gap ≤ 1e-8 and was not already
slower than the best peer so far, at tol=1e-8. Gaps are relative to the best objective
any run reached, a tight fit of ours (tol=1e-13) included. The row prints the fastest
peer at gap ≤ 1e-8 (or, when none got there, the fastest tol=1e-4 run, marked ``*``),
the ratio peer-time / our-time, both gaps, and the extra memory of our fit (tracemalloc
peak in a separate run, X excluded) against the budget 0.25·size(X) + 50 MB.

Peers: scikit-learn (every solver that applies), glum (binary), skglm and celer (L1,
binary; celer fits no intercept), scikit-learn-intelex (oneDAL; dense L2). A peer that
is not installed is skipped and named in the output. Not a test: run by hand and copy
the table into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
from family_data import FAMILIES, Member  # noqa: E402

import logistic  # noqa: E402

GAP_OK = 1e-8
TOLS = (1e-4, 1e-8)
#: ``--fast-peers``: the peers that were fastest on each kind when every peer ran
#: (benchmarks/RESULTS.md); sag, saga (except for L1/elastic-net, where it may be the
#: only peer), newton-cg and liblinear on dense data trail them by 3-30x.
FAST_PEERS = {"sklearn newton-cholesky", "sklearn lbfgs", "sklearn liblinear",
              "glum irls-ls", "glum irls-cd", "skglm", "celer", "sklearnex lbfgs",
              "sklearnex newton-cg", "sklearn saga"}


# -- the objective every run is judged by (independent of our code) ----------------------
def objective(m: Member, X, y, coef, intercept) -> float:
    """scikit-learn's objective in float64: Σ losses + (1/C)(ρ‖W‖₁ + (1−ρ)/2 ‖W‖²)."""
    W = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    b = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    Z = np.asarray(X @ W.T.astype(X.dtype), dtype=np.float64) + b
    if W.shape[0] == 1:
        z = Z[:, 0]
        loss = float(np.sum(np.logaddexp(0.0, z) - y * z))
    else:
        zmax = Z.max(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
        loss = float(np.sum(lse - Z[np.arange(Z.shape[0]), y]))
    rho = m.l1_ratio
    return loss + (rho * np.abs(W).sum() + 0.5 * (1 - rho) * np.vdot(W, W)) / m.C


def gap(f: float, f_ref: float) -> float:
    return max(f - f_ref, 0.0) / abs(f_ref)


# -- the fits ---------------------------------------------------------------------------
def quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def ours(m: Member, tol: float | None = None):
    kw = dict(C=m.C, fit_intercept=m.intercept, random_state=0)
    if m.l1_ratio == 1.0:
        kw["penalty"] = "l1"
    elif m.l1_ratio > 0:
        kw.update(penalty="elasticnet", l1_ratio=m.l1_ratio)
    if tol is not None:
        kw.update(tol=tol, max_iter=10_000)

    def fit(X, y):
        est = quiet(lambda: logistic.LogisticRegression(**kw).fit(X, y))
        return est.coef_, est.intercept_

    return fit


def _sk(cls, m: Member, solver: str, tol: float, max_iter: int = 10_000):
    def fit(X, y):
        kw = dict(C=m.C, solver=solver, tol=tol, max_iter=max_iter, fit_intercept=m.intercept)
        if m.l1_ratio > 0:
            kw["l1_ratio"] = m.l1_ratio
        est = quiet(lambda: cls(**kw).fit(X, y))
        return est.coef_, est.intercept_ if m.intercept else np.zeros(est.coef_.shape[0])

    return fit


def _glum(m: Member, solver: str, tol: float):
    from glum import GeneralizedLinearRegressor

    def fit(X, y):
        est = GeneralizedLinearRegressor(
            family="binomial", alpha=1.0 / (m.C * X.shape[0]), l1_ratio=m.l1_ratio,
            solver=solver, gradient_tol=tol, max_iter=1000, fit_intercept=m.intercept)
        quiet(lambda: est.fit(X, y))
        return np.asarray(est.coef_)[None, :], np.atleast_1d(est.intercept_)

    return fit


def _skglm(m: Member, tol: float):
    from skglm import SparseLogisticRegression

    def fit(X, y):
        est = SparseLogisticRegression(alpha=1.0 / (m.C * X.shape[0]), l1_ratio=m.l1_ratio,
                                       tol=tol, max_iter=100, fit_intercept=m.intercept)
        quiet(lambda: est.fit(X, y))
        b = getattr(est, "intercept_", 0.0) if m.intercept else 0.0
        return np.atleast_2d(est.coef_), np.atleast_1d(b)

    return fit


def _celer(m: Member, tol: float):
    from celer import LogisticRegression as Celer

    def fit(X, y):
        est = Celer(C=m.C, tol=tol, fit_intercept=False)
        quiet(lambda: est.fit(X, 2 * y - 1))
        return np.atleast_2d(est.coef_), np.zeros(1)

    return fit


def peers(m: Member, X) -> tuple[dict, list[str]]:
    """Name → {tol: fit} for the peers that apply to this member (fastest kinds first),
    and the names of peers that are not installed."""
    from sklearn.linear_model import LogisticRegression as SK

    sparse = sp.issparse(X)
    out: dict[str, dict] = {}
    missing: list[str] = []
    smooth = m.l1_ratio == 0
    binary = m.n_classes == 2
    solvers = (["newton-cholesky", "lbfgs", "newton-cg", "sag", "saga"] if smooth
               else ["saga"])
    if binary and (smooth or m.l1_ratio == 1.0):
        solvers.insert(2, "liblinear")
    for s in solvers:
        if s == "newton-cholesky" and X.shape[1] * (m.n_classes if not binary else 1) > 5000:
            continue
        # iterative peers get 1000 iterations, newton-cholesky 100 (a run that stops short
        # shows its gap and cannot be "best"): on unscaled columns lbfgs, and the lbfgs
        # newton-cholesky falls back to when its Cholesky fails, run for many minutes
        out[f"sklearn {s}"] = {t: _sk(SK, m, s, t, 100 if s == "newton-cholesky" else 1000)
                               for t in TOLS}
    if binary:
        try:
            import glum  # noqa: F401

            for s in (["irls-ls", "lbfgs"] if smooth else ["irls-cd"]):
                if s.startswith("irls") and X.shape[1] > 5000:
                    continue  # a dense d×d Hessian: 50k columns took 24 GB and were killed
                out[f"glum {s}"] = {t: _glum(m, s, t) for t in TOLS}
        except ImportError:
            missing.append("glum")
    if binary and not smooth:
        try:
            import skglm  # noqa: F401

            out["skglm"] = {t: _skglm(m, t) for t in TOLS}
        except ImportError:
            missing.append("skglm")
        if m.l1_ratio == 1.0 and not m.intercept:
            try:
                import celer  # noqa: F401

                out["celer"] = {t: _celer(m, t) for t in TOLS}
            except ImportError:
                missing.append("celer")
    if smooth and not sparse:
        try:
            from sklearnex.linear_model import LogisticRegression as SKX

            for s in ("lbfgs", "newton-cg"):
                out[f"sklearnex {s}"] = {t: _sk(SKX, m, s, t, 1000) for t in TOLS}
        except ImportError:
            missing.append("scikit-learn-intelex")
    return out, missing


# -- timing -------------------------------------------------------------------------------
def time_fit(fit, X, y, repeats: int, slow: float):
    """Median seconds of ``repeats`` fits (one when a fit exceeds ``slow``), and the last
    result: :func:`run.time_fit` without its run count."""
    seconds, _, res = run.time_fit(fit, X, y, repeats, slow)
    return float(seconds), res


def extra_memory_mb(fit, X, y) -> float:
    """Peak of NumPy/Python allocations during the fit (X itself is already allocated)."""
    gc.collect()
    tracemalloc.start()
    try:
        fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def nbytes(X) -> int:
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def run_member(m: Member, size: str, *, repeats: int, slow: float, quick: bool,
               fast: bool = False, skip: tuple = (), log=print) -> dict:
    X, y = m.make(size)
    f = lambda coef, b: objective(m, X, y, coef, b)  # noqa: E731
    warm = slice(0, min(20_000, X.shape[0]))  # blocks large enough for every kernel
    ours(m)(X[warm], y[warm])  # loads compiled kernels; cold start is measured elsewhere
    t_ours, (W, b) = time_fit(ours(m), X, y, repeats, slow)
    f_ours = f(W, b)
    f_tight = f(*quiet(lambda: ours(m, tol=1e-13)(X, y)))
    runs = []  # (name, tol, seconds, objective)
    table, missing = peers(m, X)
    if quick:
        table = dict(list(table.items())[:2])
    elif fast:
        table = {k: v for k, v in table.items() if k in FAST_PEERS
                 and not (k == "sklearn saga" and m.l1_ratio == 0)
                 and not (k == "sklearn liblinear" and not sp.issparse(X))}
    table = {k: v for k, v in table.items() if not any(k.startswith(p) for p in skip)}
    best_ok = np.inf
    for name, by_tol in table.items():
        for tol in TOLS:
            try:
                sec, (Wp, bp) = time_fit(by_tol[tol], X, y, repeats, slow)
            except (ArithmeticError, ValueError, RuntimeError) as exc:  # a peer's failure
                log(f"  {name:24s} tol={tol:g} failed: {type(exc).__name__}: {exc}")
                break
            runs.append((name, tol, sec, f(Wp, bp)))
            log(f"  {name:24s} tol={tol:g} {sec:9.3f} s  objective {runs[-1][3]:.12g}")
            f_best = min(f_ours, f_tight, *(r[3] for r in runs))
            if gap(runs[-1][3], f_best) <= GAP_OK:
                best_ok = min(best_ok, sec)
                break
            if sec > best_ok or quick:  # cannot become the best peer at a tighter tol
                break
    f_ref = min(f_ours, f_tight, *(r[3] for r in runs))
    ok = [r for r in runs if gap(r[3], f_ref) <= GAP_OK]
    marked = not ok
    pool = ok or [r for r in runs if r[1] == TOLS[0]]
    best = min(pool, key=lambda r: r[2]) if pool else None
    mem = extra_memory_mb(ours(m), X, y)
    budget = 0.25 * nbytes(X) / 2**20 + 50
    row = dict(
        family=m.family, member=m.name, shape=m.describe(X), ours=t_ours,
        ours_gap=gap(f_ours, f_ref), peer=(best[0] + f" tol={best[1]:g}") if best else "-",
        peer_s=best[2] if best else np.nan, peer_gap=gap(best[3], f_ref) if best else np.nan,
        ratio=(best[2] / t_ours) if best else np.nan, marked=marked, mem=mem, budget=budget,
        missing=missing,
    )
    log(format_row(row))
    return row


HEADER = ("| family | member | ours (s) | our gap | fastest peer at gap ≤ 1e-8 | its s | "
          "its gap | ratio | extra MB (budget) |\n|---|---|---:|---:|---|---:|---:|---:|---:|")


def format_row(r: dict) -> str:
    mark = "*" if r["marked"] else ""
    return (f"| {r['family']} | {r['member']} {r['shape']} | {r['ours']:.3f} | "
            f"{r['ours_gap']:.1e} | {r['peer']}{mark} | {r['peer_s']:.3f} | "
            f"{r['peer_gap']:.1e} | **{r['ratio']:.2f}×** | {r['mem']:.0f} ({r['budget']:.0f}) |")


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", default="all", help=f"one of {sorted(FAMILIES)} or all")
    ap.add_argument("--member", default=None, help="comma-separated member names")
    ap.add_argument("--size", default="full", choices=("full", "tiny"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--slow", type=float, default=5.0, help="a run over this is timed once")
    ap.add_argument("--quick", action="store_true", help="two peers, tol=1e-4 only")
    ap.add_argument("--skip", default="", help="comma-separated peer name prefixes to skip")
    ap.add_argument("--fast-peers", action="store_true",
                    help="only the peers in FAST_PEERS (saga only where it is the only one)")
    args = ap.parse_args(argv)
    fams = sorted(FAMILIES) if args.family == "all" else args.family.split(",")
    wanted = set(args.member.split(",")) if args.member else None
    print(f"logistic {logistic.__version__}; {os.cpu_count()} cores", flush=True)
    rows = []
    for fam in fams:
        for m in FAMILIES[fam]:
            if wanted and m.name not in wanted:
                continue
            print(f"\n{fam} / {m.name}", flush=True)
            rows.append(run_member(m, args.size, repeats=args.repeats, slow=args.slow,
                                   quick=args.quick, fast=args.fast_peers,
                                   skip=tuple(p for p in args.skip.split(",") if p),
                                   log=lambda s: print(s, flush=True)))
    print("\n" + HEADER)
    for r in rows:
        print(format_row(r))
    for fam in fams:
        mine = [r for r in rows if r["family"] == fam and np.isfinite(r["ratio"])]
        if mine:
            w = min(mine, key=lambda r: r["ratio"])
            print(f"worst {fam}: {w['member']} {w['ratio']:.2f}× vs {w['peer']}")
    missing = sorted({p for r in rows for p in r["missing"]})
    if missing:
        print("not installed (skipped): " + ", ".join(missing))
    return rows


if __name__ == "__main__":
    main()
