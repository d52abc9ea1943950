"""The funnel model under traffic: the SLA as it is usually stated, "p99 <= 50 ms at a rate"."""

import pytest

# The seed's claim: 28,000 predictions/s on one core. Through IOBinding a prediction costs
# 5-14 us here, so one worker is busy 15-40% of the time at this rate.
# benchmarks/open_loop_accuracy.py measures what a machine sustains.
RATE = 28_000


@pytest.mark.latency_sla(ms=50, rate=RATE, max_time=1, overkill=None)
def test_funnel_p99_within_50ms_under_load(latency_sla, funnel_predict):
    """Latency counts from each call's intended start, so queueing behind a slow call counts.
    A machine that cannot serve the rate fails fast ("rate above capacity: target 28,000/s,
    served ..."); the report row shows the rate served."""
    latency_sla(funnel_predict)
