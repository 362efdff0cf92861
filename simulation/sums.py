"""Sums of products in an order fixed by NumPy, the same on every machine.

NumPy's `@` hands its products to the BLAS library, which picks its kernel for the CPU when it starts
(OpenBLAS: Haswell, SkylakeX, Zen, ...), and the kernels add the terms in different orders. The same
baseline run agreed to the last bit on two machines only if their kernels did: an AMD machine (Zen kernel)
and an Intel one (SkylakeX) parted at the last bit of a few products, and the market's feedback grew that
to 0.1% of the AI index over the run. `dot` multiplies term by term and adds with NumPy's own reductions,
whose order depends on the shapes only (`tests/test_reproducible.py` runs the baseline under three kernels).
"""

from __future__ import annotations

import numpy as np


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`a @ b` for a vector or matrix `a` and a vector or matrix `b`, its terms added in an order that does not
    depend on the machine: (n,)·(n,) gives a 0-d array, (k, n)·(n,) a vector of k, (n,)·(n, m) a vector of m
    and (k, n)·(n, m) a (k, m) matrix."""
    if b.ndim == 1:
        return (a * b).sum(axis=-1)
    return (a[..., :, None] * b).sum(axis=-2)
