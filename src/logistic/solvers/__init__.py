"""Layer 3 — solvers: pure minimisers over a problem object, on d-sized vectors only.

Each takes ``(problem, theta0, *, tol, max_iter, callback, ...)`` and returns a
:class:`SolverResult`. A solver never sees the data: it calls the problem's
``loss``, ``loss_grad``, ``loss_grad_hess``, ``loss_grad_hessp`` or ``hessian``
(and, for the L1 solver, ``l1_weights``, ``penalty``, ``hessian_subset``,
``loss_grad_model``).

================ ============================================ ==========================
name              method                                       suits
================ ============================================ ==========================
gd                batch gradient descent (the tutorials')      learning, small problems
sgd               mini-batch SGD, step schedules, averaging    learning; noisy, not tight
lbfgs             limited-memory BFGS + Armijo backtracking    general
newton            Newton–Cholesky + Armijo backtracking        n ≫ d, dense (d ≲ 1000)
newton-cg         truncated Newton (CG on H·v)                 large d, sparse data
proximal-newton   proximal Newton, coordinate descent inside   L1 / elastic-net
================ ============================================ ==========================

Which solver a fit uses is the models layer's choice (:mod:`logistic.models.choice`).

May import: :mod:`logistic.math` (BLAS thread control) and NumPy/SciPy; never a data
backend, a problem class, an estimator, the CLI or a plot.
"""

from __future__ import annotations

from ._base import History, SolverResult
from .gd import gradient_descent
from .lbfgs import lbfgs
from .newton import newton
from .newton_cg import newton_cg
from .proximal_newton import proximal_newton
from .sgd import sgd

__all__ = [
    "SOLVERS",
    "SMOOTH_SOLVERS",
    "PROXIMAL_SOLVERS",
    "DEFAULT_MAX_ITER",
    "History",
    "SolverResult",
    "gradient_descent",
    "lbfgs",
    "newton",
    "newton_cg",
    "proximal_newton",
    "sgd",
]

#: Every solver by name.
SOLVERS = {
    "gd": gradient_descent,
    "lbfgs": lbfgs,
    "newton": newton,
    "newton-cg": newton_cg,
    "proximal-newton": proximal_newton,
    "sgd": sgd,
}
#: Solvers of smooth problems (L2 or no penalty).
SMOOTH_SOLVERS = ("gd", "lbfgs", "newton", "newton-cg", "sgd")
#: Solvers that also minimise a problem with an L1 part (and smooth ones, as λ = 0).
PROXIMAL_SOLVERS = ("proximal-newton",)

#: Iteration budgets used when the estimator's ``max_iter`` is None.
DEFAULT_MAX_ITER = {
    "gd": 10_000,
    "lbfgs": 1000,
    "newton": 100,
    "newton-cg": 200,
    "proximal-newton": 200,
    "sgd": 100,  # epochs
}
