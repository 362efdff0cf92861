"""Start Dask workers on SLURM with dask-jobqueue, then run a sweep on them.

    pip install -e '.[cluster]'               # or: make venv (installs the cluster extra)
    python docs/slurm/dask_cluster.py scenarios/sweeps/sobol_gap.toml --jobs 8

Each SLURM job starts one Dask worker process per core it asks for; the sweep connects to the
scheduler this script runs, and Dask hands chunks to workers as they come and go (a worker lost to
pre-emption costs only the chunks it held, which Dask reruns elsewhere). Change CLUSTER to your
site's partition, account and limits; `cluster.job_script()` shows the job it will submit.
"""

from __future__ import annotations

import argparse

# One SLURM job = 8 single-threaded Dask worker processes (a run of the model is single-threaded).
CLUSTER = {
    "queue": "compute",  # your partition
    "account": None,  # your account, if your site needs one
    "cores": 8,
    "processes": 8,
    "memory": "16GB",
    "walltime": "04:00:00",
    "job_name": "airace-dask",
    "job_extra_directives": ["--output=airace-dask-%j.log"],
    "worker_extra_args": ["--lifetime", "3h50m", "--lifetime-stagger", "5m"],  # leave before SLURM kills
}


def make_cluster(**changes):
    """A dask-jobqueue SLURMCluster from CLUSTER, with any option changed."""
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(**(CLUSTER | changes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", help="a sweep file")
    parser.add_argument("--jobs", type=int, default=4, help="SLURM jobs to keep running")
    parser.add_argument("--out", help="results folder (default results/sweeps/<name>)")
    args = parser.parse_args()

    from simulation.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.sweep)
    with make_cluster() as cluster:
        print(cluster.job_script())
        cluster.scale(jobs=args.jobs)
        out = args.out or f"results/sweeps/{sweep.name}"
        run_sweep(sweep, out, backend="dask", scheduler=cluster.scheduler_address)


if __name__ == "__main__":
    main()
