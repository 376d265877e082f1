"""``import logistic`` loads no heavy dependency (issue #19, cold start): the public
names are imported on first use (PEP 562), so the import itself costs milliseconds."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "scipy", "pandas", "matplotlib", "numba", "statsmodels", "pyarrow")


def _heavy_modules_after(statement: str) -> str:
    """The heavy top-level packages a fresh interpreter has loaded after ``statement``."""
    code = (f"import sys; {statement}; print(','.join(sorted("
            f"{{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_import_logistic_loads_no_heavy_dependency():
    out = _heavy_modules_after("import logistic")
    assert out == "", f"import logistic loaded {out}"


def test_public_names_resolve_on_first_use():
    import logistic

    for name in logistic.__all__:
        assert getattr(logistic, name) is not None
    assert set(logistic.__all__) <= set(dir(logistic))


def test_cli_help_loads_no_heavy_dependency():
    """``logistic --help`` and ``--version`` build the command table only."""
    out = _heavy_modules_after("from logistic.cli import app")
    assert out == "", f"the CLI's import loaded {out}"
