"""Which solver a fit uses, and how the problem is presented to it.

``solver="auto"`` resolves by the shape of the problem:

=================================================== ==================================
problem                                              solver
=================================================== ==================================
L1 / elastic-net                                     ``proximal-newton`` (the only
                                                     solver of the non-smooth problem)
Firth                                                ``newton`` (Fisher scoring)
multinomial, dense, k·d + k ≤ 1000                   ``newton`` (its Hessian from a row
                                                     subsample on tall data)
multinomial, otherwise                               ``lbfgs``
binary, dense, ≤ 1000 parameters, not wide           ``newton`` (on tall data from
                                                     nested row subsamples:
                                                     :mod:`logistic.models.warm_start`)
binary, sparse or wide                               ``newton-cg``
=================================================== ==================================

Forming the Hessian costs about ``n·d²`` flops per iteration against ``n·d`` for a
gradient; Newton's few iterations win while ``d`` is modest relative to ``n`` and the
``d×d`` matrix fits comfortably. Sparse or wide data use Hessian-vector products.

How the chosen solver sees the problem (:func:`presentation`): the smooth solvers run
in standardised coordinates on tall data (:class:`~logistic.problems.StandardizedProblem`,
binary and multinomial, class by class) — L-BFGS and Newton-CG because they are not
affine-invariant, Newton because its Hessian is accurate only when formed from centred
columns (a timestamp column's offset dwarfs its spread); and Newton-CG on dense binary
data of at most :data:`HESSIAN_PRECONDITION_MAX_PARAMS` parameters is also
preconditioned by a lagged Hessian.
"""

from __future__ import annotations

from ..problems import FirthProblem, L1Problem, LogisticProblem, MultinomialProblem
from ..solvers import PROXIMAL_SOLVERS, SMOOTH_SOLVERS

__all__ = [
    "SOLVER_NAMES",
    "NEWTON_MAX_PARAMS",
    "MULTINOMIAL_NEWTON_MAX_PARAMS",
    "HESSIAN_PRECONDITION_MAX_PARAMS",
    "choose_binary_solver",
    "resolve_solver",
    "presentation",
]

#: What ``solver=`` accepts.
SOLVER_NAMES = ("auto", *SMOOTH_SOLVERS, *PROXIMAL_SOLVERS)
#: Largest n_params for which "auto" forms the dense binary Hessian.
NEWTON_MAX_PARAMS = 1000
#: Largest k·d + k for which "auto" uses the multinomial Newton solver.
MULTINOMIAL_NEWTON_MAX_PARAMS = 1000
#: Largest dense problem whose Hessian Newton-CG factors as a preconditioner.
HESSIAN_PRECONDITION_MAX_PARAMS = 4000
#: Solvers run in standardised coordinates on tall data: L-BFGS and Newton-CG are not
#: affine-invariant; Newton is, in exact arithmetic, but its Hessian of columns whose
#: offset dwarfs their spread (timestamps) is only accurate when formed centred.
STANDARDIZED_SOLVERS = ("lbfgs", "newton-cg", "newton")


def choose_binary_solver(n_samples: int, n_params: int, sparse: bool) -> str:
    """The ``"auto"`` rule for a binary smooth problem: Newton–Cholesky or Newton-CG."""
    if not sparse and n_params <= NEWTON_MAX_PARAMS and n_params <= max(n_samples, 50):
        return "newton"
    return "newton-cg"


def resolve_solver(solver: str, problem, sparse: bool) -> str:
    """Resolve ``"auto"`` (table above) and check that ``solver`` can minimise ``problem``."""
    if isinstance(problem, L1Problem):
        if solver == "auto":
            return "proximal-newton"
        if solver not in PROXIMAL_SOLVERS:
            raise ValueError(
                f"solver={solver!r} does not support the L1 / elastic-net penalty; "
                f"use 'auto' or one of {PROXIMAL_SOLVERS}."
            )
        return solver
    if isinstance(problem, FirthProblem):
        return "newton"
    if solver != "auto":
        return solver
    if isinstance(problem, MultinomialProblem):
        if not sparse and problem.n_params <= MULTINOMIAL_NEWTON_MAX_PARAMS:
            return "newton"
        return "lbfgs"
    return choose_binary_solver(problem.backend.n_samples, problem.n_params, sparse)


def presentation(problem, solver: str, sparse: bool) -> tuple[bool, bool]:
    """How ``solver`` sees ``problem``: ``(standardize, precondition)``.

    Smooth problems only (binary and multinomial; the L1 solver works on exact
    Hessians of the working set). Standardising needs tall data (more rows than one
    class's parameters); the lagged-Hessian preconditioner of Newton-CG, dense
    problems of at most :data:`HESSIAN_PRECONDITION_MAX_PARAMS` parameters (binary and
    multinomial: without it, plain CG on an ill-conditioned 1000×33, 8-class fit ran
    out of its 500 products in every outer iteration).
    """
    if not isinstance(problem, LogisticProblem | MultinomialProblem):
        return False, False
    per_class = problem.n_features + int(problem.fit_intercept)  # θ of one class
    standardize = solver in STANDARDIZED_SOLVERS and problem.backend.n_samples > per_class
    precondition = (solver == "newton-cg" and not sparse
                    and problem.n_params <= HESSIAN_PRECONDITION_MAX_PARAMS)
    return standardize, precondition
