"""``logistic warmup``: compile the numba kernels once, after installing."""

from __future__ import annotations

from .app import app


@app.command()
def warmup() -> None:
    """Compile the L1 kernels (sparse, dense, multinomial) into numba's disk cache (once
    per installation)."""
    from ..models.warmup import compile_kernels, kernels_compiled

    seconds = compile_kernels()
    compiled = sum(kernels_compiled().values())
    what = f"compiled {compiled} kernel signatures" if compiled else "loaded the cached kernels"
    print(f"{what} in {seconds:.1f} s; later processes load them from numba's cache.")
