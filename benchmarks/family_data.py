"""Generators of the benchmark families (issue 19): each member builds its data on demand.

Every member is deterministic (its own seed) and has a ``tiny`` size of the same kind
for the smoke test. Dense members mix the difficulties a real table has: redundant
(correlated) columns, columns on scales from 1e-3 to 1e3 with offsets, float32.
Sparse members are text-like: Zipf column frequencies ``p_j ∝ (j + 10)^{-a}``, Poisson
non-zeros per row, log1p counts, rows L2-normalised, labels from a sparse β on frequent
columns. Multinomial members are dense ``make_classification`` draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification

__all__ = ["Member", "FAMILIES", "dense", "text_like", "multiclass"]


@dataclass
class Member:
    family: str
    name: str
    build: Callable[[str], tuple]
    C: float = 1.0
    l1_ratio: float = 0.0
    intercept: bool = True
    n_classes: int = 2
    notes: str = field(default="")

    def make(self, size: str):
        return self.build(size)

    def describe(self, X) -> str:
        n, d = X.shape
        kind = "CSR" if sp.issparse(X) else str(X.dtype)
        extra = f", {X.nnz / n:.0f} nnz/row" if sp.issparse(X) else ""
        k = f", k={self.n_classes}" if self.n_classes > 2 else ""
        pen = {0.0: "L2", 1.0: "L1"}.get(self.l1_ratio, f"EN ρ={self.l1_ratio}")
        b = "" if self.intercept else ", no intercept"
        return f"({n}×{d} {kind}{extra}{k}, {pen}, C={self.C:g}{b}{self.notes})"


def _fmt(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def dense(n: int, d: int, *, seed: int, unscaled: bool = False, float32: bool = False):
    """Binary dense data: half the columns informative, a quarter redundant (correlated)."""

    def build(size: str):
        nn, dd = (n, d) if size == "full" else (min(n, 3000), min(d, 40))
        X, y = make_classification(
            n_samples=nn, n_features=dd, n_informative=max(2, dd // 2),
            n_redundant=dd // 4, flip_y=0.05, class_sep=0.8, random_state=seed)
        if unscaled:
            rng = np.random.default_rng(seed)
            X = X * 10.0 ** rng.uniform(-3, 3, dd) + rng.uniform(-100, 100, dd)
        return (X.astype(np.float32) if float32 else X), y

    return build


def text_like(n: int, d: int, *, zipf: float, nnz: int, seed: int):
    """Sparse text-like CSR data (see the module docstring)."""

    def build(size: str):
        nn, dd = (n, d) if size == "full" else (3000, 2000)
        rng = np.random.default_rng(seed)
        p = 1.0 / (np.arange(dd) + 10.0) ** zipf
        p /= p.sum()
        counts = rng.poisson(nnz, nn).clip(1)
        rows = np.repeat(np.arange(nn), counts)
        cols = rng.permutation(dd)[rng.choice(dd, size=rows.size, p=p)]
        vals = rng.geometric(0.6, rows.size).astype(np.float64)
        X = sp.csr_matrix((vals, (rows, cols)), shape=(nn, dd))
        X.sum_duplicates()
        X.data = np.log1p(X.data)
        norms = np.sqrt(np.bincount(np.repeat(np.arange(nn), np.diff(X.indptr)),
                                    weights=X.data * X.data, minlength=nn))
        X = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ X)
        freq = np.argsort(-np.bincount(X.indices, minlength=dd))
        beta = np.zeros(dd)
        support = freq[rng.choice(max(dd // 10, 20), min(200, dd // 10), replace=False)]
        beta[support] = rng.standard_normal(support.size) * 4.0
        z = X @ beta
        y = (rng.random(nn) < 1.0 / (1.0 + np.exp(-(z - np.median(z))))).astype(np.int64)
        return X, y

    return build


def multiclass(n: int, d: int, k: int, *, seed: int, unscaled: bool = False):
    def build(size: str):
        nn, dd = (n, d) if size == "full" else (min(n, 1500), min(d, 12))
        X, y = make_classification(
            n_samples=nn, n_features=dd, n_informative=max(2, min(dd, 2 * k, dd // 2 + 1)),
            n_redundant=dd // 5, n_classes=k, n_clusters_per_class=1, flip_y=0.05,
            class_sep=0.8, random_state=seed)
        if unscaled:
            rng = np.random.default_rng(seed)
            X = X * 10.0 ** rng.uniform(-2, 2, dd) + rng.uniform(-5, 5, dd)
        return X, y

    return build


def _dense_family():
    F = "dense-l2"
    specs = [  # (n, d, seed, unscaled, float32, C)
        (100_000, 500, 1, False, False, 1.0),
        (300_000, 80, 2, False, False, 1.0),
        (1_000_000, 50, 3, True, False, 1.0),
        (2_000_000, 20, 4, False, False, 1.0),
        (500_000, 100, 5, False, True, 1.0),
        (200_000, 200, 6, True, False, 0.1),
        (400_000, 40, 7, False, False, 10.0),
    ]
    out = []
    for n, d, seed, unscaled, f32, C in specs:
        tag = "-unscaled" if unscaled else ""
        tag += "-f32" if f32 else ""
        out.append(Member(F, f"dense-{_fmt(n)}x{d}{tag}", dense(n, d, seed=seed,
                          unscaled=unscaled, float32=f32), C=C,
                          notes=", unscaled+offset" if unscaled else ""))
    return out


def _sparse_family():
    F = "sparse-l1"
    specs = [  # (zipf, nnz/row, C, intercept, seed)
        (0.8, 20, 1.0, False, 11),
        (1.1, 60, 1.0, True, 12),
        (1.1, 60, 10.0, False, 13),
        (1.3, 100, 1.0, False, 14),
        (1.5, 200, 0.1, True, 15),
        (1.1, 20, 0.1, False, 16),
    ]
    out = []
    for a, nnz, C, b, seed in specs:
        name = f"zipf{a:g}-nnz{nnz}-C{C:g}" + ("" if b else "-nob")
        out.append(Member(F, name, text_like(100_000, 50_000, zipf=a, nnz=nnz, seed=seed),
                          C=C, l1_ratio=1.0, intercept=b))
    return out


def _multinomial_families():
    L2, L1 = "multinomial-l2", "multinomial-l1"
    out = []
    for n, d, k, seed, unscaled in [
        (200_000, 50, 10, 21, False), (100_000, 20, 20, 22, False),
        (50_000, 100, 3, 23, False), (300_000, 30, 5, 24, True),
    ]:
        out.append(Member(L2, f"mn-{_fmt(n)}x{d}x{k}" + ("-unscaled" if unscaled else ""),
                          multiclass(n, d, k, seed=seed, unscaled=unscaled), n_classes=k))
    for n, d, k, seed, unscaled, rho in [
        (100, 17, 3, 31, True, 1.0), (300, 30, 5, 32, False, 1.0),
        (2_000, 50, 10, 33, True, 1.0), (5_000, 20, 10, 34, False, 0.5),
        (20_000, 10, 5, 35, True, 0.5), (2_000, 25, 20, 36, False, 0.5),
        (50_000, 20, 3, 37, False, 1.0), (100_000, 30, 10, 38, False, 0.5),
    ]:
        pen = "l1" if rho == 1.0 else "en"
        out.append(Member(L1, f"mn-{pen}-{n}x{d}x{k}" + ("-unscaled" if unscaled else ""),
                          multiclass(n, d, k, seed=seed, unscaled=unscaled),
                          n_classes=k, l1_ratio=rho))
    return out


def _families():
    fams: dict[str, list[Member]] = {}
    for m in [*_dense_family(), *_sparse_family(), *_multinomial_families()]:
        fams.setdefault(m.family, []).append(m)
    return fams


FAMILIES = _families()
