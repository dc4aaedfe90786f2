#!/usr/bin/env python3
"""interleaved_runs.py: wall and CPU time of a few commands, run in turns.

On a shared, loaded machine the load drifts during a benchmark; hyperfine
runs each command's repetitions in one block, so two commands can see
different loads. This runs them interleaved (A B C A B C ...), after 3
warm-up rounds, and prints per command the median wall time, the mean, the
minimum, the median CPU time (user + sys of the child) and the wall ratio to
the first command.

Usage: interleaved_runs.py RUNS NAME=COMMAND [NAME=COMMAND ...]
  e.g. interleaved_runs.py 100 "base=$B replay --plugins none $U" \
                               "gz=$B replay --plugins none --export-to $C --updates-out /tmp/s.mrt.gz $U"
"""
import resource
import shlex
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    cmds = [(spec.split("=", 1)[0], shlex.split(spec.split("=", 1)[1])) for spec in sys.argv[2:]]
    wall = {n: [] for n, _ in cmds}
    cpu = {n: [] for n, _ in cmds}
    for i in range(runs + 3):
        for name, argv in cmds:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            t = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i >= 3:
                wall[name].append(t * 1e3)
                cpu[name].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3)
    base = statistics.median(wall[cmds[0][0]])
    for name, _ in cmds:
        m = statistics.median(wall[name])
        print("%-12s wall median %7.2f ms (mean %7.2f, min %7.2f)  cpu median %6.2f ms  wall ratio %.2fx"
              % (name, m, statistics.mean(wall[name]), min(wall[name]), statistics.median(cpu[name]), m / base))


if __name__ == "__main__":
    main()
