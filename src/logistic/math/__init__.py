"""Layer 1 — per-block math: sums over one block of rows, stable functions, kernels.

Everything a fit costs is a sum over samples; the functions here compute one block's
share of such a sum (loss, gradient, Hessian, H·v, score outer products, ...) and
return a tuple of partial sums that a data backend (:mod:`logistic.data`) adds up.

========================== =====================================================
:mod:`~.stable`            sigmoid, log-sigmoid, softplus, log-loss, log-softmax,
                           stable for every finite input
:mod:`~.binary`            binary logistic loss: per-block sums (rows)
:mod:`~.multinomial`       softmax loss: per-block sums (rows)
:mod:`~.inference`         per-block sums for inference: score outer products,
                           cluster score sums, Firth's correction
:mod:`~.columns`           compiled (numba) kernels over the columns of a CSC copy:
                           coordinate descent and CG on a quadratic model
:mod:`~.blas`              BLAS thread control
========================== =====================================================

May import: NumPy, SciPy, array-api-compat, numba (only :mod:`~.columns`), threadpoolctl;
nothing else from ``logistic`` but :mod:`logistic._version`. Nothing here loops over
samples in Python, and nothing here knows about estimators, problems or solvers.
"""
