"""``logistic demo``: the breast-cancer comparison table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ._errors import warnings_as_lines
from .app import app


@app.command()
def demo() -> None:
    """Fit gradient descent, our default solver and scikit-learn on breast cancer; one table."""
    from ..pictures.demo import run_demo  # scikit-learn's peers: imported when run

    with warnings_as_lines():  # a fit that warns says so in one line, not Python's format
        rows = run_demo()
    table = Table(title="Breast cancer (569 × 30, standardised, stratified 80/20 split, L2, C=1)")
    for col in ("solver", "iter", "seconds", "train objective", "accuracy", "precision",
                "recall", "F1", "ROC-AUC"):
        table.add_column(col, justify="left" if col == "solver" else "right")
    for r in rows:
        table.add_row(
            r.name, str(r.iterations), f"{r.seconds:.4f}", f"{r.objective:.8f}",
            f"{r.accuracy:.4f}", f"{r.precision:.4f}", f"{r.recall:.4f}", f"{r.f1:.4f}",
            f"{r.roc_auc:.4f}",
        )
    Console(width=max(Console().width, 120)).print(table)
