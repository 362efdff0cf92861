"""The same scenario and seed give the same results on any machine: NumPy's matrix products go to a BLAS
library whose kernel is picked for the CPU (OpenBLAS reads `OPENBLAS_CORETYPE` to be told which), and kernels
add terms in different orders. A baseline run under three kernels, each in a fresh process, must agree to the
bit (`simulation.sums`). With and without NumPy's AVX-512 kernels it does not yet (docs/sweeps.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# A year of the baseline, and a digest of every number of its model and agents tables.
PROGRAM = """
import hashlib
import pandas as pd
from simulation import run
r = run("baseline", seed=7, overrides={"time.end": "2024-03-31", "investors.count": 300})
digest = hashlib.sha256()
for frame in (r.model, r.agents):
    digest.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
print(digest.hexdigest())
"""
KERNELS = ("Prescott", "Haswell", "SkylakeX")  # OpenBLAS's generic x86-64, AVX2 and AVX-512 kernels


def digest(kernel: str, **env_vars: str) -> str:
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel, "OPENBLAS_VERBOSE": "2", **env_vars}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="OpenBLAS's x86-64 kernels are named here")
def test_a_run_is_the_same_whichever_blas_kernel_the_cpu_gets():
    digests = {kernel: digest(kernel) for kernel in KERNELS}
    assert len(set(digests.values())) == 1, digests


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="NumPy's x86-64 feature names")
@pytest.mark.xfail(
    strict=True,
    reason="not yet: NumPy's float64 exp and log have AVX-512 kernels of their own, and a CPU without AVX-512 "
    "(NPY_DISABLE_CPU_FEATURES stands in for one) gets other last bits, which the market grows",
)
def test_a_run_is_the_same_with_or_without_avx512():
    assert digest("Haswell") == digest("Haswell", NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL")
