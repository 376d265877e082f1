"""Cold start (issue 19): the first fit of each kind in a fresh process against a warm one.

    python benchmarks/cold_start.py            # after `logistic warmup` (the install step)
    python benchmarks/cold_start.py --compile  # also time the compile into an empty cache

Each kind runs in its own fresh interpreter: ``from logistic import LogisticRegression``
(scikit-learn's import: timed separately), then the first fit, then a second one; the
row prints the first fit's extra cost over the warm fit (target ≤ 1 s), and the
import costs of ``import logistic`` and ``logistic --help`` (targets ≤ 0.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

_DENSE = "X = rng.standard_normal(({n}, {d})); "
_SPARSE = "X = sp.random(20000, 5000, density=0.005, format='csr', random_state=0); "
_CLASSES = "y = rng.integers(0, 4, X.shape[0]); "
KINDS = {
    "dense L2": _DENSE.format(n=20000, d=50) + "kw = {}",
    "dense unpenalised": _DENSE.format(n=20000, d=20) + "kw = {'penalty': None}",
    "multinomial L2": _DENSE.format(n=20000, d=30) + _CLASSES + "kw = {}",
    "multinomial L1": _DENSE.format(n=5000, d=20) + _CLASSES + "kw = {'penalty': 'l1'}",
    "dense L1": _DENSE.format(n=20000, d=50) + "kw = {'penalty': 'l1'}",
    "sparse L2": _SPARSE + "kw = {}",
    "sparse L1": _SPARSE + "kw = {'penalty': 'l1'}",
    "sparse elastic-net": _SPARSE + "kw = {'penalty': 'elasticnet', 'l1_ratio': 0.5}",
    "firth": _DENSE.format(n=2000, d=10) + "kw = {'penalty': 'firth'}",
}

SCRIPT = r"""
import json, time, warnings
warnings.simplefilter("ignore")
import numpy as np, scipy.sparse as sp
rng = np.random.default_rng(0)
t0 = time.perf_counter()
from logistic import LogisticRegression
t_import = time.perf_counter() - t0
{setup}
if 'y' not in dir():
    y = (rng.random(X.shape[0]) < 0.5).astype(int)
t0 = time.perf_counter(); LogisticRegression(**kw).fit(X, y); first = time.perf_counter() - t0
t0 = time.perf_counter(); LogisticRegression(**kw).fit(X, y); warm = time.perf_counter() - t0
print(json.dumps([t_import, first, warm]))
"""


def _run(code: str, env=None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(out.stderr)
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--compile", action="store_true",
                    help="first time `logistic warmup` into an empty NUMBA_CACHE_DIR")
    args = ap.parse_args()
    env = None
    if args.compile:
        env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp())
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "logistic", "warmup"], env=env, check=True)
        print(f"logistic warmup into an empty cache: {time.perf_counter() - t0:.1f} s")
    imp = min(float(_run("import time; t=time.perf_counter(); import logistic; "
                         "print(time.perf_counter()-t)", env)) for _ in range(3))
    t_help = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "logistic", "--help"], capture_output=True, env=env)
        t_help.append(time.perf_counter() - t0)
    print(f"import logistic: {imp:.3f} s (target ≤ 0.5); logistic --help: {min(t_help):.2f} s "
          f"(whole process, target ≤ 0.5)")
    print("| kind | from logistic import LogisticRegression (s) | first fit (s) | warm fit (s) "
          "| extra (s) |\n|---|---:|---:|---:|---:|")
    for name, setup in KINDS.items():
        t_imp, first, warm = json.loads(_run(SCRIPT.replace("{setup}", setup), env))
        print(f"| {name} | {t_imp:.2f} | {first:.3f} | {warm:.3f} | {first - warm:.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
