"""`make bench`: every benchmark in turn (pass `--repeats N` to change the number of runs per median)."""

from benchmarks import bench_baseline, bench_boltzmann, bench_profile, bench_scaling

if __name__ == "__main__":
    for bench in (bench_baseline, bench_scaling, bench_boltzmann, bench_profile):
        bench.main()
        print()
