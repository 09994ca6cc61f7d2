"""The floor of open-loop schedule keeping on this machine.

Keeps the same kind of plan as splleed's open loop -- Poisson send times as
absolute deadlines -- with nothing else to do: a busy-wait on the monotonic
clock, no I/O, no event loop, and nothing for a garbage collector to do
(the loop allocates only floats, which CPython frees by reference counting). Its lateness is what the machine itself costs (the
vCPU stopped by the host, interrupts, other threads on the core), so
splleed's schedule lag can be read against it. Standard library only.

    python3 bench/floor_schedule.py RATE ARRIVALS [SEED]

Prints one JSON line: {"p50": ms, "p99": ms, "max": ms, "n": arrivals}.
"""

import json
import random
import sys
import time


def main() -> None:
    rate, n = float(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    offsets, t = [], 0.0
    for _ in range(n):
        t += rng.expovariate(rate)
        offsets.append(t)
    clock = time.perf_counter
    lag = [0.0] * n
    start = clock() + 0.001
    for i, off in enumerate(offsets):
        due = start + off
        now = clock()
        while now < due:
            now = clock()
        lag[i] = (now - due) * 1000
    lag.sort()
    print(json.dumps({
        "p50": lag[n // 2],
        "p99": lag[int(0.99 * (n - 1))],
        "max": lag[-1],
        "n": n,
    }))


if __name__ == "__main__":
    main()
