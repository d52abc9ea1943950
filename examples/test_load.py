"""The funnel model under traffic: the SLA as it is usually stated, "p99 <= 50 ms at a rate"."""

import pytest

from pytest_latency_sla.load import LoadPlan, run_load
from pytest_latency_sla.sampler import Target

# The seed's claim: 28,000 predictions/s on one core. Through IOBinding a prediction costs
# 5-14 us here, so one worker is busy 15-40% of the time at this rate.
# benchmarks/open_loop_accuracy.py measures what a machine sustains.
RATE = 28_000


@pytest.mark.latency_sla(ms=50, rate=RATE, max_time=1, overkill=None)
def test_funnel_p99_within_50ms_under_load(latency_sla, funnel_predict):
    """Latency counts from each call's intended start, so queueing behind a slow call counts."""
    result = latency_sla(funnel_predict)
    assert result.extra["load"]["achieved_rate"] > 0.95 * RATE


def test_funnel_breaking_rate(funnel_predict):
    """Double the rate until the scheduler reports the rate above capacity: that is the knee."""
    target = Target(funnel_predict)
    rate, sustained = 2_000, 0
    while rate <= 4_096_000:
        run = run_load(target, LoadPlan(rate=rate), max_time=0.25, warmup=100)
        if run.overload is not None:
            break
        sustained = rate
        rate *= 2
    assert run.overload is not None, "no rate up to 4 million/s overloads one worker"
    assert run.overload.served_rate < rate
    print(f"sustained {sustained:,}/s; above capacity at {rate:,}/s "
          f"(served {run.overload.served_rate:,.0f}/s)")  # fmt: skip
