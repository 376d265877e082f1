"""Shared helpers of the issue-9 benchmarks: timing, relative gaps, the table."""

from __future__ import annotations

import time
import warnings

import numpy as np


def timed(fn, repeat: int = 1):
    """Run ``fn`` ``repeat`` times; return (median seconds, last result)."""
    times, out = [], None
    for _ in range(repeat):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def table(rows, ours_name: str, f_ref: float) -> str:
    """Rows (name, seconds, objective) → text table with gap and best-peer/ours ratio."""
    ours = {r[0]: r for r in rows if r[0].startswith(ours_name)}
    peers = [r for r in rows if not r[0].startswith(ours_name)]
    ok_peers = [r for r in peers if (r[2] - f_ref) / abs(f_ref) <= 1e-8]
    best = min(ok_peers, key=lambda r: r[1]) if ok_peers else None
    lines = [f"{'solver':34s} {'seconds':>9s} {'rel. gap':>10s} {'best peer / this':>17s}"]
    for name, sec, f in rows:
        gap = (f - f_ref) / abs(f_ref)
        ratio = f"{best[1] / sec:8.2f}x" if best and name in ours else ""
        lines.append(f"{name:34s} {sec:9.3f} {gap:10.1e} {ratio:>17s}")
    lines.append(
        f"best peer at gap <= 1e-8: {best[0]} {best[1]:.3f} s" if best else "no peer reached 1e-8"
    )
    return "\n".join(lines)
