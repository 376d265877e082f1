"""Cold start (issue 19): the numba kernels are compiled once, then loaded from the cache.

CI runs the cold path itself: ``logistic warmup`` into an empty cache (what the
README's install line does after ``pip install``), then a fresh process whose first
sparse, dense and multinomial L1 fits must compile nothing. What that costs beside a
warm fit is measured by ``benchmarks/cold_start.py`` (speed goals are not timed
tests); here only a loose bound guards against a compile sneaking back in (a compile
takes 15 s or more).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

FRESH_FIT = r"""
import json, time
import numpy as np, scipy.sparse as sp
from logistic import LogisticRegression
from logistic.models.warmup import kernels_compiled
rng = np.random.default_rng(1)
X = sp.random(3000, 800, density=0.02, format="csr", random_state=1)
y = (rng.random(3000) < 0.5).astype(int)
out = {}
for name, kw in [("l1", {"penalty": "l1"}), ("l1-nob", {"penalty": "l1", "fit_intercept": False}),
                 ("en", {"penalty": "elasticnet", "l1_ratio": 0.5})]:
    t0 = time.perf_counter(); LogisticRegression(**kw).fit(X, y); t1 = time.perf_counter()
    LogisticRegression(**kw).fit(X, y); t2 = time.perf_counter()
    out[name] = [t1 - t0, t2 - t1]
Xs, yk = rng.standard_normal((500, 12)), rng.integers(0, 4, 500)
for name, yy in [("dense-l1", y[:500]), ("mn-l1", yk)]:  # dense model Hessian kernels
    t0 = time.perf_counter(); LogisticRegression(penalty="l1").fit(Xs, yy); t1 = time.perf_counter()
    LogisticRegression(penalty="l1").fit(Xs, yy); t2 = time.perf_counter()
    out[name] = [t1 - t0, t2 - t1]
Xd = rng.standard_normal((20_000, 5))  # blocks large enough for the compiled loss terms
for name, k, dtype in [("dense", 2, "float64"), ("softmax", 3, "float64"),
                       ("dense32", 2, "float32"), ("softmax32", 3, "float32")]:
    yd = rng.integers(0, k, Xd.shape[0])
    Xd = Xd.astype(dtype)
    t0 = time.perf_counter(); LogisticRegression().fit(Xd, yd); t1 = time.perf_counter()
    LogisticRegression().fit(Xd, yd); t2 = time.perf_counter()
    out[name] = [t1 - t0, t2 - t1]
out["compiled"] = kernels_compiled()
print(json.dumps(out))
"""


def test_warmup_fills_the_cache_and_a_fresh_process_compiles_nothing(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    warm = subprocess.run([sys.executable, "-m", "logistic", "warmup"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert warm.returncode == 0, warm.stderr
    assert "compiled" in warm.stdout and "kernel signatures" in warm.stdout
    assert list(tmp_path.rglob("*.nbi")), "no numba cache index written"
    fresh = subprocess.run([sys.executable, "-c", FRESH_FIT], env=env,
                           capture_output=True, text=True, timeout=600)
    assert fresh.returncode == 0, fresh.stderr
    out = json.loads(fresh.stdout.strip().splitlines()[-1])
    assert sum(out.pop("compiled").values()) == 0  # every kernel came from the cache
    first, warm_s = out["l1"]
    mn_first, mn_warm = out["mn-l1"]
    assert mn_first - mn_warm < 12.0
    # a compile would cost 15 s or more on a quiet machine (the count above is the real
    # check; this bound only has to survive a loaded CI machine)
    assert first - warm_s < 12.0
    again = subprocess.run([sys.executable, "-m", "logistic", "warmup"], env=env,
                           capture_output=True, text=True, timeout=600)
    assert "loaded the cached kernels" in again.stdout
