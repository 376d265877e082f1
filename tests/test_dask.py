"""Fits on Dask arrays and DataFrames: the same optimum as in memory, lazy predictions,
Parquet file sets out of core, and a worker killed mid-fit.

One LocalCluster (2 worker processes, 1 thread each) serves the module; the
out-of-core test starts its own, with a memory limit. Data are small (seconds)."""

from __future__ import annotations

import os
import signal
import time
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from logistic import LogisticRegression  # noqa: E402
from logistic.data.dask import DaskBackend  # noqa: E402

GAP = 1e-8


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _data(rng, n, d, k=2, scale=False, dtype=np.float64):
    X = rng.standard_normal((n, d))
    if scale:
        X *= 10.0 ** rng.uniform(-2, 2, d)  # mixed-scale columns
    W = rng.standard_normal((k if k > 2 else 1, d)) / np.sqrt(d) * 2
    Z = X @ (W / (10.0 ** 0 if not scale else np.abs(X).mean(axis=0))).T
    if k == 2:
        y = (rng.random(n) < 1 / (1 + np.exp(-Z[:, 0]))).astype(int)
    else:
        P = np.exp(Z - Z.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        y = np.array([rng.choice(k, p=p) for p in P])
    return X.astype(dtype), y


def _persisted(X, y, rows: int):
    """``X`` and ``y`` as dask arrays of ``rows``-row chunks, persisted on the workers."""
    Xd = da.from_array(X, chunks=(rows, X.shape[1])).persist()
    yd = da.from_array(y, chunks=rows).persist()
    distributed.wait([Xd, yd])
    return Xd, yd


def _counted_gets(monkeypatch) -> list:
    """A list that gains an entry at every ``Client.get`` (one round trip each)."""
    gets: list = []
    get = distributed.Client.get
    monkeypatch.setattr(distributed.Client, "get",
                        lambda self, *a, **k: gets.append(1) or get(self, *a, **k))
    return gets


def _chunks(rng, n, uneven):
    if not uneven:
        return max(1, n // 4)
    cuts = np.sort(rng.choice(np.arange(1, n), size=5, replace=False))
    return (tuple(np.diff(np.r_[0, cuts, n]).tolist()),)


def _gap(a, b):
    return abs(a - b) / abs(b)


CASES = [  # (n, d, classes, kwargs, uneven chunks, weights, dtype, mixed scale)
    (3000, 5, 2, {}, False, False, np.float64, False),
    (2500, 8, 2, {"penalty": None}, True, True, np.float64, False),
    (4000, 6, 2, {"C": 0.1}, True, False, np.float32, True),
    (3000, 5, 3, {}, True, True, np.float64, False),
    (2000, 4, 4, {"penalty": None}, False, False, np.float64, False),
    (3000, 12, 2, {"penalty": "l1", "C": 0.05}, True, True, np.float64, False),
    (2000, 6, 2, {"solver": "lbfgs", "fit_intercept": False}, False, True, np.float64, False),
    (3000, 5, 3, {"multi_class": "ovr"}, True, False, np.float64, False),
    (2500, 7, 2, {"solver": "newton-cg", "class_weight": "balanced"}, True, False,
     np.float32, False),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_optimum_as_in_memory(client, case):
    n, d, k, kw, uneven, weighted, dtype, scale = CASES[case]
    rng = np.random.default_rng(100 + case)
    X, y = _data(rng, n, d, k, scale, dtype)
    s = rng.uniform(0.2, 3.0, n) if weighted else None
    chunks = _chunks(rng, n, uneven)
    Xd = da.from_array(X, chunks=(chunks[0] if uneven else chunks, d))
    yd = da.from_array(y, chunks=Xd.chunks[0])
    sd = None if s is None else da.from_array(s, chunks=Xd.chunks[0][::-1])  # realigned
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation / convergence warning on these data
        ref = LogisticRegression(**kw).fit(X, y, sample_weight=s)
        got = LogisticRegression(**kw).fit(Xd, yd, sample_weight=sd)
    assert got.converged_
    assert _gap(got.objective_, ref.objective_) <= GAP
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-4, atol=1e-5)
    assert got.coef_.dtype == dtype
    # predictions: lazy Dask arrays, the in-memory numbers chunk by chunk
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        lazy = getattr(got, method)(Xd)
        assert isinstance(lazy, da.Array)
        want = getattr(got, method)(X)
        assert lazy.shape == want.shape
        if method == "predict":
            np.testing.assert_array_equal(lazy.compute(), want)
        else:  # float32 margins: BLAS sums chunks and the whole array in other orders,
            # each to float32 rounding of the terms' size (1.1e-7 at a margin of 0.009)
            atol = 1e-7 if dtype == np.float64 else 1e-6 * max(1.0, float(np.abs(want).max()))
            np.testing.assert_allclose(lazy.compute(), want, rtol=1e-6, atol=atol)
    assert got.score(Xd, yd, sample_weight=sd) == pytest.approx(
        ref.score(X, y, sample_weight=s), abs=2.0 / n)


def test_unpenalised_summary_matches_in_memory(client):
    rng = np.random.default_rng(7)
    X, y = _data(rng, 3000, 4)
    ref = LogisticRegression(penalty=None).fit(X, y)
    got = LogisticRegression(penalty=None).fit(da.from_array(X, chunks=(700, 4)), y)
    a, b = ref.summary(), got.summary()
    np.testing.assert_allclose(b.bse, a.bse, rtol=1e-6)
    np.testing.assert_allclose(b.params, a.params, rtol=1e-6, atol=1e-9)
    assert b.llf == pytest.approx(a.llf, rel=1e-10)
    assert b.llnull == pytest.approx(a.llnull, rel=1e-12)


def test_multinomial_summary_and_model_file(client, tmp_path):
    from logistic import load, save

    rng = np.random.default_rng(8)
    X, y = _data(rng, 2400, 3, k=3)
    ref = LogisticRegression(penalty=None).fit(X, y)
    got = LogisticRegression(penalty=None).fit(da.from_array(X, chunks=(500, 3)),
                                               da.from_array(y, chunks=600))
    np.testing.assert_allclose(got.summary().bse, ref.summary().bse, rtol=1e-5)
    save(got, tmp_path / "m.json")
    back = load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(X), got.predict_proba(X), rtol=1e-12)
    np.testing.assert_allclose(back.summary().bse, got.summary().bse, rtol=1e-12)


def test_dataframe_input_and_threaded_scheduler():
    """No Client: the threaded scheduler; a DataFrame's column names are kept."""
    import dask
    import pandas as pd

    rng = np.random.default_rng(9)
    X, y = _data(rng, 2000, 3)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    ddf = dd.from_pandas(df, npartitions=3)
    ys = dd.from_pandas(pd.Series(np.where(y == 1, "yes", "no")), npartitions=3)
    with dask.config.set(scheduler="threads"):
        got = LogisticRegression().fit(ddf, ys)
        ref = LogisticRegression().fit(df, np.where(y == 1, "yes", "no"))
        assert _gap(got.objective_, ref.objective_) <= GAP
        assert list(got.feature_names_in_) == ["a", "b", "c"]
        assert list(got.classes_) == ["no", "yes"]
        np.testing.assert_array_equal(got.predict(ddf).compute(), ref.predict(df))


def test_bad_input_is_a_clear_error(client):
    X = np.random.default_rng(1).standard_normal((100, 2))
    X[5, 1] = np.nan
    y = np.arange(100) % 2
    with pytest.raises(ValueError, match="NaN or infinity"):
        LogisticRegression().fit(da.from_array(X, chunks=30), y)
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(da.from_array(np.nan_to_num(X), chunks=30), np.zeros(100))
    with pytest.raises(ValueError, match="entries; X has 100 rows"):
        LogisticRegression().fit(da.from_array(np.nan_to_num(X), chunks=30), y[:90])
    model = LogisticRegression().fit(np.nan_to_num(X), y)
    with pytest.raises(ValueError, match="expecting 2 features"):
        model.predict(da.zeros((10, 3), chunks=5))


def test_each_pass_is_one_compute_and_X_stays_on_the_workers(client):
    """The backend persists X once and each pass returns only d-sized sums."""
    from logistic.math import binary as obj

    rng = np.random.default_rng(2)
    X, y = _data(rng, 1000, 3)
    b = DaskBackend(da.from_array(X, chunks=(128, 3)), y.astype(float))
    assert b.persisted and b.n_blocks == 8
    loss, g_w, g_b = b.reduce(obj.block_loss_grad, np.ones(3), 0.5)
    want = obj.block_loss_grad(X, y.astype(float), None, np.ones(3), 0.5)
    np.testing.assert_allclose(g_w, want[1], rtol=1e-12)
    assert float(loss) == pytest.approx(float(want[0]), rel=1e-12)


# ------------------------------------------------------------------ faults
def test_worker_killed_mid_fit_gives_the_right_answer_or_a_clear_error(client, monkeypatch):
    rng = np.random.default_rng(3)
    X, y = _data(rng, 6000, 5)
    ref = LogisticRegression(solver="newton-cg").fit(X, y)
    pids = list(client.run(os.getpid).values())
    calls = {"n": 0}
    reduce = DaskBackend.reduce

    def reduce_then_kill(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after the first passes: kill a worker holding chunks of X
            os.kill(pids[0], signal.SIGKILL)
        return reduce(self, *args, **kwargs)

    monkeypatch.setattr(DaskBackend, "reduce", reduce_then_kill)
    try:
        got = LogisticRegression(solver="newton-cg").fit(da.from_array(X, chunks=(500, 5)), y)
    except RuntimeError as exc:  # Dask gave up: a clear error, no coefficients
        assert "fit was interrupted" in str(exc)
    else:
        assert calls["n"] > 3
        assert _gap(got.objective_, ref.objective_) <= GAP  # lost chunks recomputed
        np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-5, atol=1e-7)
    client.wait_for_workers(2, timeout=30)


# -------------------------------------------------------------- out of core
class _PeakMemory(distributed.WorkerPlugin):
    """A worker plugin recording the most bytes of Dask data a worker held at once."""

    name = "peak-managed-memory"

    def setup(self, worker):
        self.worker, worker.peak_managed = worker, 0

    def transition(self, key, start, finish, **kwargs):
        w = self.worker
        w.peak_managed = max(w.peak_managed, w.state.nbytes)
        w.peak_spilled = max(getattr(w, "peak_spilled", 0), len(getattr(w.data, "slow", ())))


def test_parquet_three_times_the_workers_memory_streams(tmp_path):
    import dask
    import pyarrow as pa
    import pyarrow.parquet as pq

    from logistic import read_parquet

    rng = np.random.default_rng(4)
    n, d, rows_per_group = 12_000, 10, 1_000  # 0.96 MB of X; a chunk is 80 kB
    X, y = _data(rng, n, d)
    for f in range(4):
        part = slice(f * n // 4, (f + 1) * n // 4)
        table = pa.table({**{f"x{j}": X[part, j] for j in range(d)}, "y": y[part]})
        pq.write_table(table, tmp_path / f"part{f}.parquet", row_group_size=rows_per_group)
    limit = X.nbytes // 6  # per worker: 2 workers hold a third of X at most
    config = {"distributed.worker.memory.spill": False, "distributed.worker.memory.pause": False,
              "distributed.worker.memory.terminate": False}
    with dask.config.set(config), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, memory_limit=limit, dashboard_address=":0",
            silence_logs=40) as cluster, distributed.Client(cluster) as c:
        c.register_plugin(_PeakMemory())
        Xd, yd, names = read_parquet(str(tmp_path / "*.parquet"), "y")
        assert Xd.nbytes >= 3 * 2 * limit and names[0] == "x0"
        got = LogisticRegression().fit(Xd, yd)
        peaks = c.run(lambda dask_worker: dask_worker.peak_managed)
        spilled = c.run(lambda dask_worker: getattr(dask_worker, "peak_spilled", 0))
    ref = LogisticRegression().fit(X, y)
    assert _gap(got.objective_, ref.objective_) <= GAP
    chunk = rows_per_group * d * 8
    assert 0 < max(peaks.values()) <= 2 * chunk, peaks  # a chunk or two, not the data
    assert max(peaks.values()) < limit  # the workers never held more than their limit
    assert sum(spilled.values()) == 0, (spilled, peaks)  # nothing was spilled to disk


def test_cluster_memory_is_the_workers_limits_whatever_the_client_cached():
    # Client.scheduler_info() returns a cache that the client's periodic refresh
    # overwrites with a copy listing no workers; read through it, the persist decision
    # raced (CI: X persisted on workers with a 160 kB limit). A refresh every
    # millisecond makes the race nearly certain within 200 reads.
    import dask

    from logistic.data.dask import _cluster_memory, fits_in_memory

    with dask.config.set({"distributed.client.scheduler-info-interval": "1ms"}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                     memory_limit=160_000, dashboard_address=":0",
                                     silence_logs=40) as cluster, distributed.Client(cluster):
        seen = {_cluster_memory() for _ in range(200)}
        assert seen == {320_000.0}
        assert not fits_in_memory(da.zeros((12_000, 10), chunks=(1000, 10)))
        cluster.scale(0)
        while cluster.scheduler.workers:
            time.sleep(0.01)
        assert _cluster_memory() == 0.0  # no worker yet: nothing is persisted


@pytest.mark.parametrize("k", [2, 3])
def test_quasi_separation_by_far_rows_warns_on_dask(client, k):
    # the rows nearest the boundary are not separable: they alone cleared these data
    rng = np.random.default_rng(3)
    n = 3000
    X = rng.normal(size=(n, 4))
    y = ((X[:, 0] + rng.normal(size=n) > 0).astype(int) if k == 2 else
         np.argmax(X[:, :3] + rng.gumbel(size=(n, 3)), axis=1))
    last = y == k - 1
    X[:, 3] = 0.0
    X[last, 3] = np.abs(rng.normal(size=last.sum())) * (rng.random(last.sum()) < 0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticRegression(penalty=None).fit(da.from_array(X, chunks=(700, 4)), y)
    assert any("may be separable" in str(w.message) for w in caught)
    # overlapping classes with margins beyond 10: certified by the gradient, no warning
    X2 = rng.normal(size=(n, 4)) * 3
    y2 = (X2[:, 0] * 4 + rng.logistic(size=n) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = LogisticRegression(penalty=None).fit(da.from_array(X2, chunks=(700, 4)), y2)
    assert np.max(np.abs(X2 @ got.coef_[0] + got.intercept_[0])) > 10


def test_separated_data_on_dask_warn_once(client):
    """Complete separation on Dask: the separation's own warning, not also "the
    coefficients are not identified" (the information at the diverging point is
    near-singular by nature, not by a dependence of the columns), as in memory."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(3000, 4))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        LogisticRegression(penalty=None).fit(da.from_array(X, chunks=(601, 4)), y)
    messages = [str(w.message) for w in caught]
    assert any("may be separable" in m for m in messages), messages
    assert not any("not identified" in m for m in messages), messages


def test_cli_fits_a_parquet_glob(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from logistic import load
    from logistic.cli import app

    rng = np.random.default_rng(5)
    X, y = _data(rng, 3000, 3)
    for f in range(2):
        part = slice(f * 1500, (f + 1) * 1500)
        pq.write_table(pa.table({"a": X[part, 0], "b": X[part, 1], "c": X[part, 2],
                                 "label": np.where(y[part] == 1, "yes", "no")}),
                       tmp_path / f"p{f}.parquet", row_group_size=500)
    out = tmp_path / "model.json"
    r = CliRunner().invoke(app, ["fit", str(tmp_path / "*.parquet"), "--target", "label",
                                 "--out", str(out)])
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    assert "fit 3000 rows x 3 features" in r.stdout
    ref = LogisticRegression().fit(X, np.where(y == 1, "yes", "no"))
    np.testing.assert_allclose(load(out).coef_, ref.coef_, rtol=1e-6)
    r = CliRunner().invoke(app, ["fit", str(tmp_path / "*.parquet"), "--target", "label",
                                 "--out", str(out), "--standardize"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --standardize is not available")
    r = CliRunner().invoke(app, ["fit", str(tmp_path / "nothing*.parquet"), "--target", "y",
                                 "--out", str(out)])
    assert r.exit_code == 2 and "no Parquet files match" in r.stderr


# ------------------------------------------------------------ round trips
def test_default_fit_round_trips_and_summary_equal_in_memory(client, monkeypatch):
    """A default unpenalised fit with summary(): one validation pass, one round trip
    per solver pass (the Hessian estimate and the separation symptom ride along), one
    for all inference sums; its table equals the in-memory one."""
    rng = np.random.default_rng(11)
    X, y = _data(rng, 40_000, 5)
    ref = LogisticRegression(penalty=None).fit(X, y)
    gets = _counted_gets(monkeypatch)
    Xd, yd = _persisted(X, y, 5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = LogisticRegression(penalty=None, random_state=0).fit(Xd, yd)
        trips = len(gets)
        a, b = ref.summary(), got.summary()
        robust_a, robust_b = ref.summary(cov_type="HC0"), got.summary(cov_type="HC0")
    assert len(gets) == trips  # summary() reads the kept numbers: no round trip
    # validation + one per solver pass (warm-started, the sample's Hessian on the
    # client: 4 of them), the inference sums riding with the last (its final step, known
    # one pass ahead); n_passes_ also counts the standardisation's moments, which
    # validation computed
    assert trips == got.n_passes_ and trips <= 5, (trips, got.n_passes_)
    # (the in-memory fit has its own subsample start: no pass count to compare)
    assert _gap(got.objective_, ref.objective_) <= GAP
    # both stop at a Newton decrement <= 1e-10·|f| from different starts: coefficients
    # agree to O(sqrt(tol)), far below their standard errors; the errors themselves to 1e-6
    np.testing.assert_allclose(b.params, a.params, rtol=0, atol=1e-2 * float(np.min(a.bse)))
    np.testing.assert_allclose(b.bse, a.bse, rtol=1e-6)
    np.testing.assert_allclose(robust_b.bse, robust_a.bse, rtol=1e-6)
    np.testing.assert_allclose(got.inference_.score, 0.0, atol=1e-4 * np.abs(
        ref.inference_.information).max() * float(np.min(a.bse)))
    assert b.llf == pytest.approx(a.llf, rel=1e-10)
    assert b.llnull == pytest.approx(a.llnull, rel=1e-12)
    # the marginal-effect sums are first order in θ (the two fits' points differ by
    # O(sqrt(tol)) before their last steps): measured up to 2.5e-6 apart, 3e-8 absolute
    for key in ("mean_v", "mean_vx", "mean_x"):
        np.testing.assert_allclose(got.inference_.margins[key], ref.inference_.margins[key],
                                   rtol=1e-5, atol=1e-7)
    # inference=False: no polishing step (its solver returns at the point whose
    # decrement met tol, the sample's Hessian kept)
    gets.clear()
    fast = LogisticRegression(penalty=None, inference=False, random_state=0).fit(Xd, yd)
    assert len(gets) == fast.n_passes_ <= trips
    assert _gap(fast.objective_, ref.objective_) <= GAP


WARM_CASES = [  # (d, classes, kwargs, weights, offset column[, dtype]): n = 40000
    (6, 3, {"penalty": None}, False, False),
    (6, 2, {"class_weight": "balanced", "C": 0.05}, True, True),
    (8, 2, {"penalty": None, "fit_intercept": False}, False, True),
    (7, 2, {"C": 10.0}, True, True, np.float32),
    (5, 4, {"C": 0.5, "fit_intercept": False, "inference": True}, True, False),
]


@pytest.mark.parametrize("case", range(len(WARM_CASES)))
def test_warm_started_fits_reach_the_in_memory_optimum(client, case):
    """Data large enough for the sample warm start and the strided Hessian rows
    (multinomial, weighted with a column offset 1e4× its spread, no intercept)."""
    d, k, kw, weighted, offset, dtype = (*WARM_CASES[case], np.float64)[:6]
    rng = np.random.default_rng(300 + case)
    X, y = _data(rng, 40_000, d, k, scale=offset)
    if offset:
        X[:, 0] += (1e2 if dtype == np.float32 else 1e4) * X[:, 0].std()
    X = X.astype(dtype)
    s = rng.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # (the reference in float64: float32 sums cannot certify tol=1e-14)
        ref = LogisticRegression(**kw, tol=1e-14).fit(X.astype(np.float64), y, sample_weight=s)
        got = LogisticRegression(**kw, random_state=case).fit(
            da.from_array(X, chunks=(5000, d)), da.from_array(y, chunks=5000),
            sample_weight=s)
    assert got.converged_ and got.n_passes_ <= 8
    if dtype == np.float32:  # float32 passes carry ~3e-8 of rounding: gaps in float64
        assert _gap(_objective64(got, X, y, s), ref.objective_) <= GAP
    else:
        assert _gap(got.objective_, ref.objective_) <= GAP
    # float32 data: Gram products in float32, errors to ~1e-3 on the offset column (the
    # in-memory float32 fit's summary measured 1.5e-2 off the float64 one here)
    rtol = 2e-3 if dtype == np.float32 else 1e-5
    np.testing.assert_allclose(got.summary().bse, ref.summary().bse, rtol=rtol)


def _objective64(model, X, y, s):
    """scikit-learn's binary L2 objective of ``model`` on ``X`` in float64."""
    from logistic.math.stable import log_sigmoid

    z = np.asarray(X, dtype=np.float64) @ model.coef_.ravel().astype(np.float64)
    z = z + float(model.intercept_[0])
    loss = -np.where(y == model.classes_[1], log_sigmoid(z), log_sigmoid(-z))
    w = 1.0 if s is None else s
    coef = model.coef_.ravel()
    return float(np.sum(w * loss) + 0.5 / model.C * float(coef @ coef))


def test_unaligned_chunks_are_held_aligned(client):
    """Chunks unpickled on a worker (``from_array(X).persist()``) may start at any byte;
    the backend holds aligned ones (NumPy runs ``X @ w`` in BLAS only on aligned data),
    and its sums are the in-memory ones."""
    from logistic.data.dask import place
    from logistic.math import binary as obj

    rng = np.random.default_rng(21)
    X, y = _data(rng, 4000, 7)
    Xd = da.from_array(X, chunks=(500, 7)).persist()

    def aligned(x):
        return np.array([[x.flags.aligned and x.ctypes.data % 8 == 0]])

    placed = place(Xd, True)
    assert placed.map_blocks(aligned, chunks=(1, 1)).compute().all()
    assert place(placed, True).name == placed.name  # placed once
    b = DaskBackend(Xd, y.astype(float))
    w = rng.standard_normal(7)
    loss, g_w, g_b = b.reduce(obj.block_loss_grad, w, 0.3)
    want = obj.block_loss_grad(X, y.astype(float), None, w, 0.3)
    np.testing.assert_allclose(g_w, want[1], rtol=1e-12)
    assert float(loss) == pytest.approx(float(want[0]), rel=1e-12)


def test_inference_sums_ride_along_only_where_they_were_computed(client, monkeypatch):
    """Sums armed to ride with the next loss pass are kept under that pass's θ: read
    there without a pass; asked at another θ (a guess that missed) they cost one pass
    and are that θ's."""
    from logistic.math import binary as obj
    from logistic.math import inference as obji
    from logistic.models.on_dask import _inference_sums, prefetch_inference

    rng = np.random.default_rng(22)
    X, y = _data(rng, 3000, 4)
    y01 = y.astype(float)
    b = DaskBackend(da.from_array(X, chunks=(600, 4)), y01)
    gets = _counted_gets(monkeypatch)
    for hit in (True, False):
        w1 = rng.standard_normal(4) * 0.3
        w2 = w1 if hit else w1 + 0.01
        b.ride_along(_inference_sums())
        b.reduce(obj.block_loss_grad, w1, 0.2)
        gets.clear()
        prefetch_inference(b, np.append(w2, 0.2), True)
        assert len(gets) == (0 if hit else 1)
        got = b.reduce(obji.block_score_gram, w2, 0.2)
        want = obji.block_score_gram(X, y01, None, w2, 0.2)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
        got = b.reduce(obj.block_loss_grad_hess, w2, 0.2, 1)
        np.testing.assert_allclose(got[3], obj.block_loss_grad_hess(X, y01, None, w2, 0.2)[3],
                                   rtol=1e-10)
        assert len(gets) == (0 if hit else 1)


def test_multinomial_fit_round_trips(client, monkeypatch):
    """A multinomial fit warm-started from the sample: validation, the solver's passes
    (the sample's Hessian on the client), the separation check's symptom with its last
    pass; no row gathers for a curvature subsample."""
    rng = np.random.default_rng(23)
    X, y = _data(rng, 40_000, 6, 3)
    ref = LogisticRegression(C=0.1, tol=1e-14).fit(X, y)
    Xd, yd = _persisted(X, y, 5000)
    gets = _counted_gets(monkeypatch)
    got = LogisticRegression(C=0.1, random_state=0).fit(Xd, yd)
    assert got.converged_ and _gap(got.objective_, ref.objective_) <= GAP
    assert len(gets) <= 8, len(gets)


# ------------------------------------------------- grouped passes (issue 20)
GROUP_CASES = [  # (n, d, classes, weighted, dtype, uneven chunks)
    (3000, 5, 2, False, np.float64, False),
    (2600, 7, 2, True, np.float64, True),
    (3100, 4, 2, True, np.float32, True),
    (2800, 6, 3, True, np.float64, True),
    (2000, 3, 4, False, np.float32, False),
]


@pytest.mark.parametrize("case", range(len(GROUP_CASES)))
def test_grouped_passes_equal_the_in_memory_sums(client, case):
    """One task per worker over the chunks it holds: the same sums as the in-memory
    block functions, and as one task per chunk (binary and multinomial, weights,
    float32, uneven chunks), for every kind of pass."""
    from logistic.math import binary as obj
    from logistic.math import inference as obji
    from logistic.math import multinomial as mobj
    from logistic.models.on_dask import _inference_sums
    from logistic.problems.multinomial import one_hot

    n, d, k, weighted, dtype, uneven = GROUP_CASES[case]
    rng = np.random.default_rng(500 + case)
    X, y = _data(rng, n, d, k, scale=True, dtype=dtype)
    s = rng.uniform(0.2, 3.0, n) if weighted else None
    labels = (y == 1).astype(float) if k == 2 else one_hot(y, k)
    rows = _chunks(rng, n, uneven)
    rows = rows[0] if isinstance(rows, tuple) else rows
    b = DaskBackend(da.from_array(X, chunks=(rows, d)), labels, s)
    assert b._groups is not None and b._held is not None
    assert sorted(i for g in b._groups for i in g) == list(range(b.n_blocks))
    rtol = 1e-11 if dtype == np.float64 else 1e-5
    if k == 2:
        w, c = rng.standard_normal(d) / np.abs(X).mean(axis=0), 0.3
        calls = [(obj.block_loss_grad, (w, c)), (obj.block_hessian, (w, c)),
                 (obji.block_score_gram, (w, c)), (obji.block_margin_sums, (w, c))]
    else:
        W, c = rng.standard_normal((k, d)) / np.abs(X).mean(axis=0), rng.standard_normal(k)
        calls = [(mobj.block_loss_grad, (W, c)), (mobj.block_loss_grad_hess, (W, c))]
    per_chunk = DaskBackend(da.from_array(X, chunks=(b.chunks, d)), labels, s)
    per_chunk._held = None  # one task per chunk, a tree of additions
    for fn, args in calls:
        want = fn(X, labels, s, *args)
        for backend in (b, per_chunk):
            backend._point = {}
            got = backend.reduce(fn, *args)
            for g_, w_ in zip(got, want, strict=True):
                np.testing.assert_allclose(np.asarray(g_, float), np.asarray(w_, float),
                                           rtol=rtol, atol=rtol * np.abs(w_).max())
    if k == 2:  # the inference sums in one pass (prefetch) and riding with a loss pass
        for arm in (False, True):
            w2 = w * (1.0 + 0.1 * arm)
            if arm:
                b.ride_along(_inference_sums())
                b.reduce(obj.block_loss_grad, w2, c)
            else:
                b.prefetch([(fn, (w2, c, *a)) for fn, a in _inference_sums()])
            got = b.reduce(obji.block_score_gram, w2, c)
            want = obji.block_score_gram(X, labels, s, w2, c)
            np.testing.assert_allclose(got[0], want[0], rtol=rtol, atol=rtol * np.abs(
                want[0]).max())


def test_chunk_groups_are_held_together_and_balanced(client):
    """Each group's chunks are held by one worker; a worker's chunks are cut into one
    contiguous run per thread of about equal rows."""
    from logistic.data.dask import _split, held_groups

    rng = np.random.default_rng(41)
    X = rng.standard_normal((5000, 3))
    Xd = da.from_array(X, chunks=((700, 300, 1200, 800, 500, 1500), (3,))).persist()
    distributed.wait(Xd)
    groups = held_groups(Xd)
    who = client.who_has(distributed.futures_of(Xd))
    keys = [k for (k,) in Xd.__dask_keys__()]
    assert sorted(i for g in groups for i in g) == list(range(6))
    for g in groups:
        assert len({who[keys[i]][0] for i in g}) == 1
    assert _split(list(range(6)), [1, 1, 1, 1, 1, 1], 3) == [[0, 1], [2, 3], [4, 5]]
    assert _split([4, 7, 9], [10, 10, 80], 2) == [[4, 7], [9]]
    assert _split([1, 2], [5, 5], 4) == [[1], [2]]
    assert held_groups(da.from_array(X, chunks=(1000, 3)).persist()) is not None  # waits
    assert held_groups(da.from_array(X, chunks=(1000, 3))) is None  # not held: no futures
    # without a distributed client (the threaded scheduler): one task per chunk
    import dask

    with dask.config.set(scheduler="threads"):
        assert held_groups(Xd) is None


def test_chunk_facts_finiteness_from_the_column_sums():
    """Validation reads finiteness off the column sums; only sums that overflowed
    (finite entries of ±1e200) need the entries checked."""
    from logistic.models.on_dask import _chunk_facts

    rng = np.random.default_rng(42)
    x = rng.standard_normal((50, 4))
    assert _chunk_facts(x, None)[0]
    big = x.copy()
    big[3, 1], big[7, 1] = 1e200, -1e200  # squares overflow, the entries are finite
    assert _chunk_facts(big, None)[0]
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[10, 2] = bad
        assert not _chunk_facts(y, None)[0]
    both = x.copy()
    both[1, 0], both[2, 0] = np.inf, -np.inf  # their sum is NaN
    assert not _chunk_facts(both, None)[0]
    moments = _chunk_facts(x, np.array([0, 5]))[1:]
    np.testing.assert_allclose(moments[0][1], (x * x).sum(axis=0), rtol=1e-14)
    np.testing.assert_array_equal(moments[1], x[[0, 5]])


@pytest.mark.parametrize("k", [2, 3])
def test_first_pass_brings_or_overlaps_the_hessian_and_is_counted_once(client, monkeypatch, k):
    """After the sample start, the first pass brings a binary fit's kept Hessian (strided
    rows on the workers) or runs while the client forms a multinomial one from the
    sample (Overlapped, in a thread): one round trip and one counted pass per solver
    pass either way, the in-memory optimum, and an error in a pass reaches the caller."""
    rng = np.random.default_rng(43 + k)
    X, y = _data(rng, 40_000, 5, k)
    ref = LogisticRegression(penalty=None, inference=False, tol=1e-14).fit(X, y)
    Xd, yd = _persisted(X, y, 5000)
    gets = _counted_gets(monkeypatch)
    from logistic.models import on_dask

    started = []
    start = on_dask.Overlapped.start
    monkeypatch.setattr(on_dask.Overlapped, "start",
                        lambda self, theta: started.append(1) or start(self, theta))
    got = LogisticRegression(penalty=None, inference=False, random_state=1).fit(Xd, yd)
    assert got.converged_ and _gap(got.objective_, ref.objective_) <= GAP
    assert len(started) == (k > 2)  # the thread: only for a Hessian formed on the client
    if k == 2:
        assert len(gets) == got.n_passes_ <= 5
    else:  # (the separation check's symptom is one more round trip)
        assert got.n_passes_ <= len(gets) <= got.n_passes_ + 1 <= 8

    def failing(self, *args, **kwargs):
        raise OSError("a disk under a chunk failed")

    monkeypatch.setattr(DaskBackend, "_pass", failing)
    started.clear()
    with pytest.raises(OSError, match="disk under a chunk"):
        LogisticRegression(penalty=None, inference=False, random_state=1).fit(Xd, yd)
    assert len(started) == (k > 2)  # (raised in the first pass's thread, then here)


@pytest.mark.parametrize("k", [2, 3])
def test_sample_sent_in_half_and_the_rest_gathered_only_when_wanted(client, monkeypatch, k):
    """Validation sends half the drawn sample rows once that is 10,000 or more; a binary
    fit forms its kept Hessian on the workers and gathers no rows, a multinomial one
    whose Hessian wants more rows than were sent gathers the rest (one round trip);
    both reach the in-memory optimum."""
    from logistic.models import on_dask

    rng = np.random.default_rng(600 + k)
    X, y = _data(rng, 80_000, 39, k)
    ref = LogisticRegression(C=0.5, tol=1e-14).fit(X, y)
    Xd, yd = _persisted(X, y, 10_000)
    gathered = []
    rows = DaskBackend.rows
    monkeypatch.setattr(DaskBackend, "rows",
                        lambda self, index: gathered.append(len(index)) or rows(self, index))
    drawn = on_dask.warm_rows(80_000, 40)
    assert on_dask._sent_step(drawn) == 2
    got = LogisticRegression(C=0.5, random_state=k).fit(Xd, yd)
    assert got.converged_ and _gap(got.objective_, ref.objective_) <= GAP
    if k == 2:
        assert gathered == []
    else:  # 10,000 rows sent, 12,000 wanted for 120 parameters: the other half gathered
        assert gathered == [drawn - drawn // 2]
