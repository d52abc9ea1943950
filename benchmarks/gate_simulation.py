"""The gate's error rates by simulation, as a table: the same simulation the tests assert on
(``pytest_latency_sla.stats.simulation``), 2,000 seeded gates per row, p99 at 95% confidence.

    python benchmarks/gate_simulation.py
"""

from __future__ import annotations

import numpy as np

from pytest_latency_sla.stats.looks import FAIL, PASS
from pytest_latency_sla.stats.simulation import DISTRIBUTIONS, N_MAX, N_MIN_P99, simulate

CASES = [
    ("true p99.5 (inside)", 0.995, 1.0, 1),
    ("true p98 (missed)", 0.98, 1.0, 2),
    ("true p99 (boundary)", 0.99, 1.0, 4),
    ("1000x true p99", 0.99, 1000.0, 3),
]


def main() -> None:
    print(f"p99 budget, 95% confidence, 2,000 gates per row, at most {N_MAX:,} samples each")
    print(
        "| distribution | budget at | confident fail | confident pass | pass by 2 x n_min | "
        "median n at stop |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, dist in DISTRIBUTIONS.items():
        for label, p, factor, seed in CASES:
            looks = simulate(dist, [(0.99, dist.quantile(p) * factor)], seed=seed)
            v = looks.verdicts[:, 0]
            fast = np.mean((v == PASS) & (looks.at_n[:, 0] <= 2 * N_MIN_P99))
            stop = np.where(looks.stopped_at > 0, looks.stopped_at, N_MAX)
            print(
                f"| {name} | {label} | {np.mean(v == FAIL):.2%} | {np.mean(v == PASS):.2%} | "
                f"{fast:.2%} | {np.median(stop):,.0f} |"
            )


if __name__ == "__main__":
    main()
