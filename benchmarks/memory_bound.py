"""Peak memory of the worst-case measurement: a ~1 us call sampled for up to 10 s.

The looks are patched to never decide, so only the sample cap (2**21 int64 samples, 16 MiB)
or ``max_time`` can end the measurement. Timing is real; the peak resident set size comes from
``resource.getrusage`` in this process, which does nothing else.

    python benchmarks/memory_bound.py [MAX_TIME_S]
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np

from pytest_latency_sla import looks, measurement, sampler
from pytest_latency_sla.plan import Threshold


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def one_microsecond() -> None:
    end = time.perf_counter() + 1e-6
    while time.perf_counter() < end:
        pass


def main() -> None:
    max_time = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    spec = measurement.MeasureSpec(
        thresholds=[Threshold(99.0, 1e-3, "1 ms", overkill=None)], max_time=max_time, warmup=100
    )
    # warm numpy and the code paths once, so the baseline holds everything but the samples
    measurement.run_measurement(sampler.Target(one_microsecond), spec)
    np.sort(np.zeros(10, dtype=np.int64))
    before = peak_rss_mib()
    looks.fail_cutoff = lambda n, q, alpha: n + 1  # type: ignore[assignment]
    looks.pass_cutoff = lambda n, q, alpha: -1  # type: ignore[assignment]
    started = time.perf_counter()
    result = measurement.run_measurement(sampler.Target(one_microsecond), spec)
    elapsed = time.perf_counter() - started
    after = peak_rss_mib()
    cap = sampler.MAX_SAMPLES
    print(f"max_time {max_time:g} s, sample cap {cap:,} ({cap * 8 / 2**20:.0f} MiB of int64)")
    print(
        f"n = {result.n:,} samples ({result.stopped}) in {result.duration_s:.2f} s of sampling, "
        f"{elapsed:.2f} s in all; p50 {result.p50 * 1e6:.2f} us"
    )
    print(f"peak RSS before {before:.1f} MiB, after {after:.1f} MiB: +{after - before:.1f} MiB")
    print(f"= {(after - before) * 2**20 / max(result.n, 1):.1f} bytes per sample at the peak")


if __name__ == "__main__":
    main()
