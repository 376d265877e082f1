"""Dask suite (issue #20): logistic on Dask against dask-ml and Spark MLlib, 2 workers.

    python benchmarks/dask_suite.py            # 200k×100 and the out-of-core Parquet set
    python benchmarks/dask_suite.py --quick    # a smoke run on tiny data (seconds)

The problem is the unpenalised fit (``penalty=None``), the one objective every peer
solves exactly as we do: dask-ml's ``newton`` and ``gradient_descent`` ignore the
penalty, and its ``lbfgs``/``admm`` would penalise the intercept in standardised
coordinates (a different optimum). The reference optimum is our in-memory Newton fit
at ``tol=1e-14`` (checked against scikit-learn ``newton-cholesky`` at ``tol=1e-12``
where it is available); a gap is ``(f − f*)/|f*|`` of scikit-learn's objective at
the returned coefficients.

Ours is timed twice: the default fit with its ``summary()`` table (the inference
numbers cost one more pass, two d×d Gram products over all rows) and ``inference=False``
(the fit alone: what dask-ml computes, it offers no standard errors).

Printed per method: seconds, relative gap, round trips to the cluster (``Client.get``
calls, one per ``compute``), passes over the data (ours counted by the
fit; for everyone, chunk tasks run on the workers divided by the number of chunks),
bytes moved (the workers' outgoing transfer bytes, to each other and to the client),
and for the out-of-core set the peak memory per worker: Dask-managed bytes (the most
a worker held at once) and the process RSS (sampled every 50 ms), against the chunk
size and the workers' memory limit.

Throughput: one of our passes (``loss_grad``: ``X w`` then ``Xᵀ r`` per chunk, tree
sum) against a bare ``dask.array`` ``X @ w`` followed by ``X.T @ r`` on the same
chunks (median of 5 each); the ratio bare/ours is our share of its throughput.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import warnings

import numpy as np

GAP = 1e-8


def make_data(n: int, d: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * (1.5 / np.sqrt(d))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w + 0.3)))).astype(np.int64)
    return X, y


def objective(X, y, coef, intercept) -> float:
    """scikit-learn's unpenalised objective: the sum of log-losses."""
    from logistic.math.stable import log_sigmoid

    z = X @ np.ravel(coef) + float(intercept)
    return float(-np.sum(np.where(y == 1, log_sigmoid(z), log_sigmoid(-z))))


def objective_dask(X, y, coef, intercept) -> float:
    """The same objective with ``X`` a Dask array (one pass, on the cluster)."""
    import dask.array as da

    from logistic.math.stable import log_sigmoid

    z = X @ np.ravel(coef).astype(X.dtype) + float(intercept)
    ll = da.map_blocks(lambda zb, yb: np.where(yb == 1, log_sigmoid(zb), log_sigmoid(-zb)),
                       z, y, dtype=np.float64)
    return float(-ll.sum().compute())


# ------------------------------------------------------------- worker counters
class Counters:
    """Chunk tasks run, bytes sent, peak managed bytes and peak RSS of each worker."""

    def __init__(self, client):
        import distributed

        class Plugin(distributed.WorkerPlugin):
            name = "logistic-bench-counters"

            def setup(self, worker):
                worker.bench = {"tasks": 0, "peak_managed": 0, "peak_rss": 0}
                self.worker = worker

                def sample():
                    import psutil

                    proc = psutil.Process()
                    while True:
                        b = worker.bench
                        b["peak_rss"] = max(b["peak_rss"], proc.memory_info().rss)
                        b["peak_managed"] = max(b["peak_managed"], worker.state.nbytes)
                        time.sleep(0.05)

                threading.Thread(target=sample, daemon=True).start()

            def transition(self, key, start, finish, **kwargs):
                b = self.worker.bench
                if finish == "memory" and start == "executing":
                    b["tasks"] += 1
                    b["peak_managed"] = max(b["peak_managed"],
                                            self.worker.state.nbytes)

        self.client = client
        client.register_plugin(Plugin())

    def reset(self):
        def zero(dask_worker):
            dask_worker.bench.update(tasks=0, peak_managed=0, peak_rss=0)
            return dask_worker.transfer_outgoing_bytes_total

        self.sent0 = sum(self.client.run(zero).values())

    def read(self) -> dict:
        def get(dask_worker):
            return {**dask_worker.bench, "sent": dask_worker.transfer_outgoing_bytes_total}

        per = list(self.client.run(get).values())
        return {
            "tasks": sum(p["tasks"] for p in per),
            "sent": sum(p["sent"] for p in per) - self.sent0,
            "peak_managed": max(p["peak_managed"] for p in per),
            "peak_rss": max(p["peak_rss"] for p in per),
        }


# ------------------------------------------------------------------ methods
def ours(inference: bool):
    """Our default fit and its summary() table (``inference=True``: the information
    matrix, the robust meat and the marginal-effect sums at the optimum, one more
    pass), or the fit alone (``inference=False``, what dask-ml computes)."""
    def run(Xd, yd):
        from logistic import LogisticRegression

        m = LogisticRegression(penalty=None, inference="auto" if inference else False)
        m.fit(Xd, yd)
        if inference:
            m.summary()
        return m.coef_.ravel(), float(m.intercept_[0]), f"passes={m.n_passes_}"

    return run


class RoundTrips:
    """Counts the client's round trips to the cluster (``Client.get``: one per
    ``compute``) while a method runs."""

    def __init__(self):
        self.n = 0

    def __enter__(self):
        import distributed

        self._get = get = distributed.Client.get

        def counting(client, *args, **kwargs):
            self.n += 1
            return get(client, *args, **kwargs)

        distributed.Client.get = counting
        return self

    def __exit__(self, *exc):
        import distributed

        distributed.Client.get = self._get


def dask_ml_solver(solver: str, max_iter: int, tol: float):
    def run(Xd, yd):
        from dask_ml.linear_model import LogisticRegression as DML

        kw = {"solver_kwargs": {"normalize": False}} if solver in ("newton",
                                                                   "gradient_descent") else {}
        m = DML(solver=solver, C=np.inf, penalty="l2", max_iter=max_iter, tol=tol, **kw)
        m.fit(Xd, yd)
        return np.asarray(m.coef_), float(m.intercept_), ""

    return run


def spark(X, y, tol: float):
    """Spark MLlib on local[2]: the seconds of ``fit`` (data loading not counted)."""
    import pandas as pd
    from pyspark.ml.classification import LogisticRegression as SLR
    from pyspark.ml.feature import VectorAssembler
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").config("spark.driver.memory", "4g")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    cols = [f"x{j}" for j in range(X.shape[1])]
    pdf = pd.DataFrame(X, columns=cols)
    pdf["label"] = y.astype(float)
    df = VectorAssembler(inputCols=cols, outputCol="features").transform(
        spark.createDataFrame(pdf)).select("features", "label").cache()
    df.count()
    t0 = time.perf_counter()
    m = SLR(regParam=0.0, standardization=False, tol=tol, maxIter=200).fit(df)
    seconds = time.perf_counter() - t0
    coef, b = m.coefficients.toArray(), float(m.intercept)
    spark.stop()
    return seconds, coef, b


def warm_up(client):
    """Import what every method's tasks use on the workers (not timed)."""
    def imports():
        import dask.array  # noqa: F401
        import numpy as np
        import scipy.special  # noqa: F401

        import logistic.math.binary  # noqa: F401
        import logistic.math.inference  # noqa: F401
        import logistic.math.multinomial  # noqa: F401
        from logistic.math import kernels  # numba and its cached kernels

        X = np.ones((8, 3))
        kernels.binary_pass(X, np.zeros(8), None, np.zeros(3), 0.0)
        kernels.softmax_pass(X, np.eye(3)[np.zeros(8, int)], None, np.zeros((3, 3)), 0.0)

    client.run(imports)


def run_methods(client, counters, Xd, yd, f_ref, methods, n_chunks, fobj, out,
                repeat: int = 1):
    """Each method ``repeat`` times, the methods interleaved (a drift in the machine's
    load then reaches all of them alike); seconds are the median over the repeats,
    with their range, the other columns those of the last run."""
    times: dict = {name: [] for name, _ in methods}
    last: dict = {}
    for _ in range(repeat):
        for name, fn in methods:
            if name in last and last[name] is None:
                continue  # it failed: reported once
            counters.reset()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                try:
                    with RoundTrips() as trips:
                        coef, b, note = fn(Xd, yd)
                except Exception as exc:  # a peer that fails is reported, not hidden
                    print(f"{name:28s} failed: {type(exc).__name__}: {exc}", file=out)
                    last[name] = None
                    continue
                times[name].append(time.perf_counter() - t0)
                note = f"round trips={trips.n} {note}".rstrip()
            last[name] = (coef, b, note, counters.read())
    rows = []
    for name, _ in methods:
        if last.get(name) is None:
            continue
        coef, b, note, c = last[name]
        sec = float(np.median(times[name]))
        if repeat > 1:
            note += f" (median of {repeat}: {min(times[name]):.2f}-{max(times[name]):.2f} s)"
        gap = (fobj(coef, b) - f_ref) / abs(f_ref)
        rows.append((name, sec, gap, c, note))
        print(f"{name:28s} {sec:9.2f} {gap:10.1e} {c['tasks'] / n_chunks:10.1f} "
              f"{c['sent'] / 1e6:10.1f} {c['peak_managed'] / 1e6:10.1f} "
              f"{c['peak_rss'] / 1e6:9.0f}  {note}", file=out, flush=True)
    return rows


HEADER = (f"{'method':28s} {'seconds':>9s} {'rel. gap':>10s} {'tasks/chk':>10s} "
          f"{'MB sent':>10s} {'peak MB':>10s} {'RSS MB':>9s}")


def summary_line(rows, out):
    mine = [r for r in rows if r[0].startswith("logistic")]
    peers = [r for r in rows if not r[0].startswith("logistic") and r[2] <= GAP]
    if not mine:
        return
    print("(dask-ml computes no standard errors: compare its fits with 'inference=False'; "
          "the default row also keeps the information matrix, the robust meat and the "
          "marginal-effect sums for summary(), one more pass with two d×d Gram products)",
          file=out)
    for row in mine:
        if peers:
            best = min(peers, key=lambda r: r[1])
            print(f"{row[0]}: {row[1]:.2f} s; fastest peer at gap <= 1e-8: {best[0]} "
                  f"{best[1]:.2f} s -> {best[1] / row[1]:.1f}x", file=out)
        else:
            fastest = min((r for r in rows if not r[0].startswith("logistic")),
                          key=lambda r: r[1], default=None)
            if fastest is not None:
                print(f"{row[0]}: {row[1]:.2f} s at gap {row[2]:.1e}; no peer reached "
                      f"1e-8 (fastest peer {fastest[0]} {fastest[1]:.2f} s, gap "
                      f"{fastest[2]:.1e}: {fastest[1] / row[1]:.1f}x)", file=out)


def throughput(Xd, repeats: int, out):
    """Seconds of one of our passes against a bare X @ w, X.T @ r on the same chunks."""
    import dask.array as da

    from logistic.data.dask import DaskBackend
    from logistic.math import binary as obj

    n, d = Xd.shape
    rng = np.random.default_rng(1)
    y01 = (rng.random(n) < 0.5).astype(np.float64)
    backend = DaskBackend(Xd, y01)
    w = rng.standard_normal(d) * 0.01
    r = da.from_array(rng.standard_normal(n), chunks=(Xd.chunks[0],)).persist()

    def bare():
        z = Xd @ w
        z.compute()
        return (Xd.T @ r).compute()

    calls = iter(range(10**6))

    def mine():  # a new θ each time: the backend answers a θ it has seen without a pass
        return backend.reduce(obj.block_loss_grad, w * (1.0 + 1e-9 * next(calls)), 0.0)

    t_bare, t_ours = [], []
    for _ in range(repeats):
        for fn, acc in ((bare, t_bare), (mine, t_ours)):
            t0 = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t0)
    tb, to = float(np.median(t_bare)), float(np.median(t_ours))
    print(f"per pass: bare dask.array X@w + X.T@r {tb * 1e3:.1f} ms, ours (loss+gradient) "
          f"{to * 1e3:.1f} ms -> ours = {tb / to:.0%} of its throughput "
          f"({Xd.nbytes / to / 1e9:.2f} GB/s)", file=out)


def main(argv=None, out=None):
    import sys

    import dask.array as da
    import distributed

    from logistic import LogisticRegression

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny data: a smoke test")
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--no-dask-ml", action="store_true")
    p.add_argument("--no-parquet", action="store_true")
    p.add_argument("--dask-ml-solvers", default="newton,lbfgs,gradient_descent,admm",
                   help="comma-separated dask-ml solvers to run (admm takes minutes)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of each in-memory method, interleaved; the median is shown "
                        "(a shared machine's load moves single runs by 2x)")
    args = p.parse_args(argv)
    out = out or sys.stdout
    n, d, chunk = (4000, 10, 1000) if args.quick else (200_000, 100, 25_000)
    X, y = make_data(n, d)
    ref = LogisticRegression(penalty=None, tol=1e-14).fit(X, y)
    f_ref = objective(X, y, ref.coef_, ref.intercept_[0])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster) as c:
        counters = Counters(c)
        warm_up(c)
        Xd = da.from_array(X, chunks=(chunk, d)).persist()
        yd = da.from_array(y, chunks=(chunk,)).persist()
        distributed.wait([Xd, yd])
        methods = [("logistic default+summary()", ours(True)),
                   ("logistic inference=False", ours(False))]
        if not args.no_dask_ml:
            try:
                import dask_ml  # noqa: F401
            except ImportError:
                print("dask-ml: not installed (pip install dask-ml); skipped", file=out)
            else:
                budget = 3 if args.quick else 1
                peers = {
                    "newton": dask_ml_solver("newton", 50, 1e-10),
                    "lbfgs": dask_ml_solver("lbfgs", 1000, 1e-12),
                    "gradient_descent": dask_ml_solver("gradient_descent", 200 * budget,
                                                       1e-10),
                    "admm": dask_ml_solver("admm", 20, 1e-10),
                }
                methods += [(f"dask-ml {name}", peers[name])
                            for name in args.dask_ml_solvers.split(",") if name]
        # first calls import on the client (summary tables, dask-ml): not timed
        small = slice(0, 2 * chunk)
        ours(True)(Xd[small], yd[small])
        if any(name.startswith("dask-ml") for name, _ in methods):
            import dask_ml.linear_model  # noqa: F401
        print(f"\n## {n}x{d} in memory on 2 workers, chunks of {chunk} rows "
              f"(unpenalised; f* = {f_ref:.10g})", file=out)
        print(HEADER, file=out)
        rows = run_methods(c, counters, Xd, yd, f_ref, methods, n // chunk,
                           lambda coef, b: objective(X, y, coef, b), out,
                           repeat=max(1, args.repeat))
        if not args.no_spark:
            try:
                import pyspark  # noqa: F401
            except ImportError:
                print("Spark MLlib: pyspark not installed; skipped", file=out)
            else:
                try:
                    sec, coef, b = spark(X, y, 1e-12)
                    gap = (objective(X, y, coef, b) - f_ref) / abs(f_ref)
                    rows.append(("Spark MLlib local[2]", sec, gap, None, ""))
                    print(f"{'Spark MLlib local[2]':28s} {sec:9.2f} {gap:10.1e}  (fit only; "
                          "its own 2 cores, no Dask counters)", file=out)
                except Exception as exc:  # Java missing, say: reported, not hidden
                    print(f"Spark MLlib: failed ({type(exc).__name__}: {exc})", file=out)
        summary_line(rows, out)
        throughput(Xd, 2 if args.quick else 5, out)
    if not args.no_parquet:
        out_of_core(args.quick, out)


def out_of_core(quick: bool, out):
    """A Parquet set 3× the workers' total memory limit, streamed on every pass."""
    import dask
    import distributed
    import pyarrow as pa
    import pyarrow.parquet as pq

    from logistic import read_parquet

    n, d, per_group, files = (24_000, 10, 1_000, 4) if quick else (1_000_000, 50, 20_000, 10)
    limit = n * d * 8 // 6  # per worker: the 2 workers' total is a third of X
    tmp = tempfile.mkdtemp(prefix="logistic-ooc-")
    rng = np.random.default_rng(2)
    w = rng.standard_normal(d) * (1.5 / np.sqrt(d))
    for f in range(files):
        rows = n // files
        Xf = rng.standard_normal((rows, d))
        yf = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(Xf @ w)))).astype(np.int64)
        pq.write_table(pa.table({**{f"x{j}": Xf[:, j] for j in range(d)}, "y": yf}),
                       os.path.join(tmp, f"part{f:03d}.parquet"), row_group_size=per_group)
    chunk = per_group * d * 8
    config = {"distributed.worker.memory.spill": False,
              "distributed.worker.memory.pause": False,
              "distributed.worker.memory.terminate": False}
    print(f"\n## out of core: {n}x{d} Parquet ({n * d * 8 / 1e6:.0f} MB of float64) on 2 "
          f"workers with memory_limit {limit / 1e6:.2f} MB each (data = "
          f"{n * d * 8 / (2 * limit):.1f}x their total); chunk {chunk / 1e6:.1f} MB", file=out)
    with dask.config.set(config), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=limit, dashboard_address=":0",
            silence_logs=40) as cluster, distributed.Client(cluster) as c:
        counters = Counters(c)
        warm_up(c)
        Xd, yd, _ = read_parquet(os.path.join(tmp, "*.parquet"), "y")
        from logistic import LogisticRegression

        counters.reset()
        t0 = time.perf_counter()
        m = LogisticRegression(penalty=None).fit(Xd, yd)
        sec = time.perf_counter() - t0
        cnt = counters.read()
        spilled = sum(c.run(lambda dask_worker: len(getattr(dask_worker.data, "slow", ())))
                      .values())
        f = objective_dask(Xd, yd, m.coef_, m.intercept_[0])
        m2 = LogisticRegression(penalty=None, tol=1e-14, solver="newton").fit(Xd, yd)
        f_ref = min(f, objective_dask(Xd, yd, m2.coef_, m2.intercept_[0]))
    print(HEADER, file=out)
    print(f"{'logistic (streamed)':28s} {sec:9.2f} {(f - f_ref) / abs(f_ref):10.1e} "
          f"{cnt['tasks'] / (n // per_group):10.1f} {cnt['sent'] / 1e6:10.1f} "
          f"{cnt['peak_managed'] / 1e6:10.1f} {cnt['peak_rss'] / 1e6:9.0f}  "
          f"passes={m.n_passes_}", file=out)
    print(f"peak Dask-managed memory per worker: {cnt['peak_managed'] / chunk:.1f} chunks "
          f"({cnt['peak_managed'] / limit:.0%} of its memory_limit); chunks spilled to disk: "
          f"{spilled}; converged: {m.converged_}", file=out)
    print("(dask-ml on the streamed set: not run here — its solvers re-read the Parquet "
          "files several times per iteration; run the in-memory table for the comparison)",
          file=out)


if __name__ == "__main__":
    main()
