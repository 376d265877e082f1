"""``import logistic`` loads no heavy dependency (issue #19, cold start): the public
names are imported on first use (PEP 562), so the import itself costs milliseconds."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "numba", "statsmodels", "pyarrow")


def test_import_logistic_loads_no_heavy_dependency():
    code = ("import sys, logistic; print(','.join(sorted({m.split('.')[0] for m in "
            f"sys.modules}} & set({HEAVY!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import logistic loaded {out}"


def test_public_names_resolve_on_first_use():
    import logistic

    for name in logistic.__all__:
        assert getattr(logistic, name) is not None
    assert set(logistic.__all__) <= set(dir(logistic))


def test_cli_help_loads_no_heavy_dependency():
    """``logistic --help`` and ``--version`` build the command table only."""
    code = ("import sys; from logistic.cli import app; print(','.join(sorted("
            f"{{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"the CLI's import loaded {out}"
