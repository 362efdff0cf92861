"""The same scenario and seed give the same results on any machine: NumPy's matrix products go to a BLAS
library whose kernel is picked for the CPU (OpenBLAS reads `OPENBLAS_CORETYPE` to be told which), and kernels
add terms in different orders. A baseline run under three kernels, each in a fresh process, must agree to the
bit (`simulation.sums`)."""

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


def digest(kernel: str) -> str:
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel, "OPENBLAS_VERBOSE": "2"}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
@pytest.mark.skipif(os.uname().machine != "x86_64", reason="OpenBLAS's x86-64 kernels are named here")
def test_a_run_is_the_same_whichever_blas_kernel_the_cpu_gets():
    digests = {kernel: digest(kernel) for kernel in KERNELS}
    assert len(set(digests.values())) == 1, digests
