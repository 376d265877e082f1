"""Solvers: pure functions of a problem object, working on d-sized vectors only.

Each takes ``(problem, theta0, *, tol, max_iter, callback, ...)`` and returns a
:class:`SolverResult`. A solver never sees the data: it calls the problem's
``loss``, ``loss_grad``, ``loss_grad_hess`` or ``loss_grad_hessp``.

========== ============================================ ==========================
name        method                                       suits
========== ============================================ ==========================
gd          batch gradient descent (the tutorials')      learning, small problems
lbfgs       limited-memory BFGS + Armijo backtracking    general
newton      Newton–Cholesky + Armijo backtracking        n ≫ d, dense (d ≲ 1000)
newton-cg   truncated Newton (CG on H·v)                 large d, sparse data
========== ============================================ ==========================
"""

from __future__ import annotations

from ._base import History, SolverResult
from .gd import gradient_descent
from .lbfgs import lbfgs
from .newton import newton
from .newton_cg import newton_cg

__all__ = ["SOLVERS", "DEFAULT_MAX_ITER", "History", "SolverResult", "choose_solver"]

SOLVERS = {
    "gd": gradient_descent,
    "lbfgs": lbfgs,
    "newton": newton,
    "newton-cg": newton_cg,
}

#: Iteration budgets used when the estimator's ``max_iter`` is None.
DEFAULT_MAX_ITER = {"gd": 10_000, "lbfgs": 1000, "newton": 100, "newton-cg": 200}

#: Largest n_params for which "auto" forms the dense Hessian.
NEWTON_MAX_PARAMS = 1000


def choose_solver(n_samples: int, n_params: int, sparse: bool) -> str:
    """The ``"auto"`` rule: Newton–Cholesky when the Hessian is small, else Newton-CG.

    Forming the Hessian costs about ``n·d²`` flops per iteration against ``n·d`` for
    a gradient; Newton's few iterations win while ``d`` is modest relative to ``n``
    and the ``d×d`` matrix fits comfortably. Sparse or wide data use Hessian-vector
    products instead.
    """
    if not sparse and n_params <= NEWTON_MAX_PARAMS and n_params <= max(n_samples, 50):
        return "newton"
    return "newton-cg"
