"""Layer 4 — problems: objectives of the parameter vector θ, built on a data backend.

A problem joins a backend (which sums per-block math over the rows of ``X``) with a
penalty and the intercept, and offers a solver only functions of θ: ``loss``,
``loss_grad``, ``loss_grad_hess``, ``loss_grad_hessp``, ``hessian`` (see
:mod:`logistic.solvers`), all in the units of the mean loss, with ``user_objective``
converting back to scikit-learn's.

======================== =======================================================
:mod:`~.binary`          :class:`LogisticProblem`, binary, L2 or none
:mod:`~.multinomial`     :class:`MultinomialProblem`, softmax with scikit-learn's layout
:mod:`~.l1`              :class:`L1Problem`, a smooth problem + λ‖w‖₁ (and the
                         column model of sparse data)
:mod:`~.standardized`    :class:`StandardizedProblem`, the same problem in
                         standardised coordinates (an affine change of variables)
:mod:`~.firth`           :class:`FirthProblem`, Firth's penalised likelihood, and
                         :class:`RestrictedProblem`, coordinates held fixed
======================== =======================================================

May import: :mod:`logistic.math`, :mod:`logistic.data` (backends are passed in; a
problem never reads ``X`` itself). Never solvers, models, inference or anything above.
"""

from .binary import LogisticProblem
from .firth import FirthProblem, RestrictedProblem
from .l1 import L1Problem
from .multinomial import MultinomialProblem
from .standardized import StandardizedProblem

__all__ = [
    "LogisticProblem",
    "MultinomialProblem",
    "L1Problem",
    "StandardizedProblem",
    "FirthProblem",
    "RestrictedProblem",
]
