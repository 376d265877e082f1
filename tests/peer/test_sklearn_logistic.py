"""scikit-learn's own ``test_logistic.py``, run against our estimators.

The module reads the file from the installed scikit-learn, changes one import, so that
``LogisticRegression`` and ``LogisticRegressionCV`` are :mod:`logistic`'s, and runs it
as this module's body. Nothing else in the tests is edited; what does not apply to us
is skipped by name below, each with its reason (an autouse fixture skips at setup, so
the counts show in pytest's summary).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture
def global_random_seed():
    """scikit-learn's default seed (its conftest parametrizes this fixture; 42 unless
    SKLEARN_TESTS_GLOBAL_RANDOM_SEED says otherwise)."""
    return 42


#: solvers only scikit-learn has: any parametrization that uses one is skipped
SKLEARN_ONLY_SOLVERS = {"liblinear", "sag", "saga"}

_BODY = "runs liblinear, sag or saga (scikit-learn's solvers) inside the test body"
_PRIVATE = "calls a private scikit-learn helper"
_DEPRECATION = ("checks the wording of a scikit-learn deprecation warning (its own "
                "parameter transition; our parameters are not deprecated)")
_ROUTING = ("scikit-learn's metadata routing (set_*_request, fit(**params)) is not "
            "implemented; a scorer's declined sample_weight is honoured")
_CALLBACKS = "scikit-learn's experimental callback API (set_callbacks)"

#: test name -> why it does not apply to our estimators
SKIPPED: dict[str, str] = {
    # solvers only scikit-learn has, called inside the test
    "test_consistency_path": _BODY,
    "test_warm_start_converge_LR": _BODY,
    "test_elastic_net_coeffs": _BODY,
    "test_elastic_net_l1_l2_equivalence": _BODY,
    "test_elastic_net_vs_l1_l2": _BODY,
    "test_elastic_net_versus_sgd": _BODY,
    "test_saga_vs_liblinear": _BODY,
    "test_LogisticRegression_elastic_net_objective": _BODY,
    "test_logistic_regression_solvers": _BODY,
    "test_logistic_regression_solvers_multiclass": _BODY,
    "test_logistic_regression_solvers_multiclass_unpenalized": _BODY,
    "test_logistic_regression_class_weights": _BODY,
    "test_sample_and_class_weight_equivalence_liblinear": _BODY,
    "test_logisticregression_liblinear_sample_weight": _BODY,
    "test_liblinear_decision_function_zero": _BODY,
    "test_liblinear_multiclass_raises": _BODY,
    "test_liblinear_with_large_values": _BODY,
    "test_logreg_l1": _BODY,
    "test_l1_ratio_non_elasticnet": _BODY,
    "test_lr_penalty_l1ratio_incompatible": _BODY,
    "test_logistic_cv": _BODY,
    "test_LogisticRegressionCV_GridSearchCV_elastic_net": _BODY,
    "test_LogisticRegressionCV_no_refit": _BODY,
    "test_LogisticRegressionCV_elasticnet_attribute_shapes": _BODY,
    "test_logistic_regressioncv_class_weights": _BODY,
    "test_logistic_regression_cv_refit": _BODY,
    "test_multinomial_cv_iris": _BODY,
    "test_scores_attribute_layout_elasticnet": _BODY,
    # parameters of liblinear: dual, intercept_scaling
    "test_liblinear_dual_random_state": "liblinear's dual and intercept_scaling",
    "test_liblinear_not_stuck": "liblinear's dual and intercept_scaling",
    "test_check_solver_option": ("liblinear's dual and scikit-learn's error wording for "
                                 "solver/penalty pairs (ours: a ValueError naming the "
                                 "solvers that support the penalty)"),
    # private helpers and experimental APIs
    "test_logistic_cv_multinomial_score": _PRIVATE + " (_log_reg_scoring_path)",
    "test_logreg_predict_proba_multinomial": _PRIVATE + " (_predict_proba_lr)",
    "test_get_default_scorer": _PRIVATE + " (_get_scorer)",
    "test_logistic_regression_callback_support": _CALLBACKS,
    "test_logistic_regression_callback_fitted_estimator": _CALLBACKS,
    "test_logistic_regression_callback_support_warning": _CALLBACKS,
    # scikit-learn's deprecation cycle of penalty, l1_ratio=None, n_jobs, scoring, layout
    "test_penalty_deprecated": _DEPRECATION,
    "test_l1_ratio_None_deprecated": _DEPRECATION,
    "test_logisticregression_warns_with_n_jobs": _DEPRECATION,
    "test_logisticregressioncv_warns_with_use_legacy_attributes": _DEPRECATION,
    "test_lr_scoring_warns": _DEPRECATION,
    # metadata routing
    "test_lr_cv_scores_differ_when_sample_weight_is_requested": _ROUTING,
    "test_passing_params_without_enabling_metadata_routing": _ROUTING,
    "test_lr_cv_scores_without_enabling_metadata_routing": _ROUTING,
    # where our contract differs on purpose
    "test_multinomial_logistic_regression_string_inputs": (
        "ends with class_weight={'foo': 0}: a class of zero total weight is refused "
        "with a ValueError here (issue #16, item 5); scikit-learn fits it"),
    "test_logistic_glmnet": (
        "tol=1e-8 with lbfgs: our tol is a relative objective gap (coefficients to ~1e-6 "
        "of their scale), scikit-learn's lbfgs reads it as a gradient bound; at our "
        "default tol=1e-10 every solver matches glmnet within the test's rtol"),
    "test_newton_cholesky_fallback_to_lbfgs": (
        "C=1e30 on separable 10x20 data: scikit-learn's newton-cholesky falls back to "
        "its lbfgs, whose gradient tolerance stops at once; ours refuses to claim "
        "convergence (the relative gap is not met: ConvergenceWarning)"),
}


#: parametrized test id prefix -> why that case does not apply
SKIPPED_CASES: dict[str, str] = {
    "test_max_iter[newton-cholesky-": (
        "wording of scikit-learn's Newton warning ('Newton solver did not converge'); "
        "ours: \"Solver 'newton' did not converge (max_iter reached) after n iterations: "
        "newton failed to converge\" (the lbfgs and newton-cg cases pass)"),
}


def _uses_sklearn_only_solver(item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    for value in callspec.params.values():
        text = value if isinstance(value, str) else repr(value)
        if any(s == text or f"'{s}'" in text for s in SKLEARN_ONLY_SOLVERS):
            return True
    return False


@pytest.fixture(autouse=True)
def _skip_what_does_not_apply(request):
    """Skip, with its reason, a test or case listed above (or one using their solvers)."""
    item = request.node
    name = item.originalname or item.name
    case = next((r for p, r in SKIPPED_CASES.items() if item.name.startswith(p)), None)
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    elif case is not None:
        pytest.skip(case)
    elif _uses_sklearn_only_solver(item):
        pytest.skip("liblinear/sag/saga are scikit-learn's")


_ORIGIN = Path(importlib.util.find_spec("sklearn").origin).parent
PEER_FILE = _ORIGIN / "linear_model" / "tests" / "test_logistic.py"
_PEER_IMPORT = (
    "from sklearn.linear_model import LogisticRegression, LogisticRegressionCV, SGDClassifier"
)
_OUR_IMPORT = (
    "from sklearn.linear_model import SGDClassifier\n"
    "from logistic import LogisticRegression, LogisticRegressionCV"
)

_source = PEER_FILE.read_text()
if _PEER_IMPORT not in _source:  # a scikit-learn whose test file we have not read
    raise ImportError(f"{PEER_FILE} no longer imports the estimators as expected")
exec(compile(_source.replace(_PEER_IMPORT, _OUR_IMPORT, 1), str(PEER_FILE), "exec"))
