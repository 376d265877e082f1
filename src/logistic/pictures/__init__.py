"""Layer 8 — pictures: plots, the training animation, the teaching walk-through, the
HTML report and the demo.

================= =============================================================
:mod:`~.plots`    every picture (loss curve, boundary, ROC, coefficients, ...),
                  each drawn on an ``Axes`` and returned
:mod:`~.learn`    gradient descent, one step at a time, with real numbers
:mod:`~.report`   one self-contained HTML page about a fitted model
:mod:`~.demo`     our solvers beside scikit-learn on the breast-cancer data
================= =============================================================

Uses a fitted model's public results only. May import: everything below
(:mod:`logistic.files` and down), matplotlib; never the CLI. Importing this package
does not import matplotlib: its modules do.
"""
