r"""Before a first-order solver says "converged": the Newton decrement, on exact curvature.

L-BFGS reads its gap through its own inverse-Hessian model, gradient descent and SGD
through the step size :math:`1/L`; where the curvature spans many orders of
magnitude (columns with offsets and no intercept to absorb them, spreads from
:math:`10^{-3}` to :math:`10^{3}`) all three read gaps far too small. A fuzz family of
40 small binary and multinomial problems of that kind (``tests/test_certify.py``):
L-BFGS claimed convergence in 12 of 80 fits at relative gaps from 1e-8 to 0.12, and
gradient descent in 10 of 160 at gaps up to 0.78.

The Newton decrement :math:`\tfrac12 g^\top H^{-1} g` estimates the gap to second
order with the true curvature. :func:`newton_certificate` computes it by a Cholesky
solve of the Hessian for problems of up to :data:`DIRECT_MAX_PARAMS` parameters, and
beyond by conjugate gradients on exact Hessian-vector products
(``problem.loss_grad_hessp``; L-BFGS preconditions them with its own inverse-Hessian
model), started at zero: CG's decrement :math:`-\tfrac12 g\cdot p_j` grows towards
the true one, and once the relative residual is below :data:`CERTIFY_RTOL` what is
left of it, :math:`\tfrac12 r^\top H^{-1} r`, is at most :math:`10^{-4}\kappa` of it
(κ the condition number of the preconditioned H), and in practice far less (1.3% on
a quadratic of κ = 10⁴) — a test of the gap's order, which is what ``tol`` asks.
A solve that stops short of that (the product budget, negative curvature from
rounding) certifies nothing: the gap estimate is then infinite. The solver stops only
when the certificate is within ``tol``; otherwise it goes on (L-BFGS from the Newton
step CG found, which is a good step to take; gradient descent and SGD with their
cheap test made stricter by the factor it misread the gap, :class:`CertifiedStop`).
"""

from __future__ import annotations

import numpy as np

from ._base import gap_estimate
from .newton import newton_direction
from .newton_cg import conjugate_gradient

__all__ = ["newton_certificate", "CertifiedStop", "CERTIFY_RTOL", "CERTIFY_PRODUCTS",
           "DIRECT_MAX_PARAMS"]

#: Relative CG residual at which the decrement it reads is taken as the Newton decrement.
CERTIFY_RTOL = 1e-2
#: Most Hessian-vector products (passes) one certificate may take.
CERTIFY_PRODUCTS = 200
#: Up to this many parameters the certificate solves with the Hessian itself.
DIRECT_MAX_PARAMS = 1000


def newton_certificate(problem, theta: np.ndarray, g: np.ndarray, precond=None
                       ) -> tuple[float, np.ndarray] | None:
    """``(gap, p)`` at θ with gradient ``g``: the Newton decrement (inf where CG could not
    establish it) and the Newton direction :math:`p \\approx -H^{-1}g`; None for a
    problem with neither a Hessian nor Hessian products.

    Up to :data:`DIRECT_MAX_PARAMS` parameters, by a Cholesky solve of the problem's
    Hessian (one pass, over a row subsample on tall data: a decrement within tens of
    percent): CG's residual test cannot bound what it leaves undone when the curvature
    spans ten orders of magnitude (it read 4e-14 where the gap was 1e-5). Beyond, by CG
    on exact products: one pass for the curvature weights, then one per product (at most
    ``min(CERTIFY_PRODUCTS, 2·n_params + 10)``: CG is exact in ``n_params`` steps in exact
    arithmetic; rounding costs more, 53 products for 30 parameters at κ = 10⁴ with a
    gradient of rounding noise).
    """
    if not np.any(g):
        return 0.0, np.zeros_like(g)
    hessian = getattr(problem, "hessian", None)
    if hessian is not None and problem.n_params <= DIRECT_MAX_PARAMS:
        p = newton_direction(hessian(theta), g)
        return gap_estimate(g, p), p
    products = getattr(problem, "loss_grad_hessp", None)
    if products is None:
        return None
    _, g, hessp = products(theta)
    budget = min(CERTIFY_PRODUCTS, 2 * int(problem.n_params) + 10)
    p, _, reached = conjugate_gradient(hessp, g, rtol=CERTIFY_RTOL, max_iter=budget,
                                       precond=precond)
    return (gap_estimate(g, p) if reached else np.inf), p


class CertifiedStop:
    r"""A solver's cheap stopping test, confirmed by :func:`newton_certificate`.

    ``stop(θ, f, g, estimate, it)`` with the gap the cheap test reads at iteration ``it``
    (gradient descent: :math:`\tfrac12\eta\|g\|^2`) is True once that is within
    ``tol·|f|`` and the certificate agrees. Where the certificate reads a larger gap
    G, the cheap test misread it by estimate/G, and the next certificate waits until
    the test reads that much less (at least tenfold: on linear convergence, once the
    gap itself is near ``tol``) or until twice the iterations of this one (SGD's
    averaged iterates, whose noise floor the test may never pass): a few
    certificates per fit, not one per iteration.
    """

    def __init__(self, problem, tol: float):
        self.problem, self.tol = problem, tol
        self.scale, self.wait_until = 1.0, 0

    def __call__(self, theta: np.ndarray, f: float, g: np.ndarray, estimate: float,
                 it: int) -> bool:
        if not estimate <= self.tol * abs(f):
            return False
        if estimate > self.scale * self.tol * abs(f) and it < self.wait_until:
            return False
        certificate = newton_certificate(self.problem, theta, g)
        if certificate is None or certificate[0] <= self.tol * abs(f):
            return True
        # the next test must read estimate·tol|f|/G (the gap then near tol, if the ratio
        # of the two holds), and at most a tenth of this one
        tenth = 0.1 * estimate / (self.tol * abs(f))
        gap = certificate[0]
        self.scale = min(estimate / gap, tenth) if np.isfinite(gap) else tenth
        self.wait_until = 2 * max(it, 1)
        return False
