"""Speed benchmark: our default LogisticRegression beside its peers, in one run.

For each workload: fit a tight reference, then time our default estimator and each
peer (median of ``--repeats`` runs; a peer slower than ``--slow`` seconds is timed
once), and print one row per fit: seconds, relative objective gap to the best
objective anyone reached, peak memory of the fit (tracemalloc, a separate run), and
for our row the ratio best-peer-time / our-time, where the best peer is the fastest
one that reached a gap ≤ 1e-8.

    python benchmarks/run.py --suite cpu                 # every workload, full size
    python benchmarks/run.py --workloads dense,sparse    # some of them
    python benchmarks/run.py --size tiny --quick         # smoke test (seconds)

Not a test: numbers depend on the machine; run it by hand and copy the table into
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import peer_factories  # noqa: E402
from workloads import WORKLOADS, make_workload  # noqa: E402

from logistic import LogisticRegression  # noqa: E402
from logistic.math.stable import log_loss  # noqa: E402

GAP_OK = 1e-8


def objective(X, y, C, coef, intercept) -> float:
    """scikit-learn's L2 objective, in float64."""
    coef = np.asarray(coef, dtype=np.float64)
    z = np.asarray(X @ coef.astype(X.dtype), dtype=np.float64).ravel() + intercept
    return float(np.sum(log_loss(y.astype(np.float64), z)) + 0.5 / C * coef @ coef)


def ours(C):
    def fit(X, y):
        m = LogisticRegression(C=C, random_state=0).fit(X, y)
        return m.coef_.ravel(), float(m.intercept_[0])

    return fit


def reference(X, y, C):
    """A tight fit of the float64 problem: our default solver at tol=1e-14.

    Every fit is then judged against the best objective anyone reached, this one
    included, so a loose reference can only make our own gap look worse.
    """
    X64 = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogisticRegression(C=C, tol=1e-14, random_state=0).fit(X64, y)
    return objective(X64, y, C, m.coef_.ravel(), m.intercept_[0])


def time_fit(fit, X, y, repeats: int, slow: float):
    times, result = [], None
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = fit(X, y)
        times.append(time.perf_counter() - t0)
        if times[-1] > slow:
            break
    return statistics.median(times), len(times), result


def peak_memory(fit, X, y) -> float:
    """Peak bytes allocated (through Python/NumPy allocators) during one fit, in MB."""
    gc.collect()
    tracemalloc.start()
    fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def nbytes(X) -> float:
    if sp.issparse(X):
        return (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    return X.nbytes / 2**20


def run_workload(name, size, repeats, slow, quick, peers_filter, out):
    X, y, C, desc = make_workload(name, size)
    print(f"\n## {name}: {desc}  (X = {nbytes(X):.0f} MB)", file=out, flush=True)
    rows = []
    fits = {"logistic (default)": ours(C)}
    fits.update(peer_factories(X, C, quick=quick))
    if peers_filter:
        fits = {k: v for k, v in fits.items() if k.startswith("logistic") or
                any(p in k for p in peers_filter)}
    f_ref = reference(X, y, C)
    for label, fit in fits.items():
        try:
            secs, k, (coef, b) = time_fit(fit, X, y, repeats, slow)
        except Exception as exc:  # a peer that cannot run this workload
            print(f"  {label}: skipped ({type(exc).__name__}: {exc})", file=out, flush=True)
            continue
        f = objective(X, y, C, coef, b)
        mem = peak_memory(fit, X, y) if label.startswith("logistic") else float("nan")
        rows.append([label, secs, k, f, mem])
        print(f"  {label:32s} {secs:9.3f}s (×{k})", file=out, flush=True)
    f_best = min([f_ref] + [r[3] for r in rows])
    for r in rows:
        r[3] = (r[3] - f_best) / abs(f_best)
    ok_peers = [r for r in rows if not r[0].startswith("logistic") and r[3] <= GAP_OK]
    best = min(ok_peers, key=lambda r: r[1]) if ok_peers else None
    lines = [
        f"| {name} | solver | seconds | runs | rel. gap | peak MB | best peer / ours |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, secs, k, gap, mem in sorted(rows, key=lambda r: r[1]):
        ratio = ""
        if label.startswith("logistic") and best is not None:
            ratio = f"**{best[1] / secs:.2f}×** (vs {best[0]})"
        mem_s = "" if np.isnan(mem) else f"{mem:.0f}"
        lines.append(f"| | {label} | {secs:.3f} | {k} | {gap:.1e} | {mem_s} | {ratio} |")
    print("\n".join(lines), file=out, flush=True)
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="cpu", choices=["cpu"])
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--size", default="full", choices=["full", "tiny"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--slow", type=float, default=20.0, help="time a peer once past this")
    ap.add_argument("--quick", action="store_true", help="fewer peer settings")
    ap.add_argument("--peers", default="", help="comma-separated substrings of peer names")
    args = ap.parse_args(argv)
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} · "
        f"{os.cpu_count()} CPUs visible · affinity {len(os.sched_getaffinity(0))} · "
        f"python {platform.python_version()} · numpy {np.__version__}",
        flush=True,
    )
    peers_filter = [p for p in args.peers.split(",") if p]
    tables = []
    for name in args.workloads.split(","):
        tables += run_workload(name, args.size, args.repeats, args.slow, args.quick,
                               peers_filter, sys.stdout) + [""]
    return tables


if __name__ == "__main__":
    main()
