"""The funnel model under traffic: the SLA as it is usually stated, "p99 <= 50 ms at a rate"."""

import pytest

# A rate with wide headroom: through IOBinding a prediction costs 5-14 us here, so one worker is
# busy 1-3% of the time at 2,000/s, and still holds it on a busy 2-core CI runner.
# test_capacity.py searches the highest rate that holds (the seed claimed 28,000/s).
RATE = 2_000


# 4 s: latencies under load are correlated, so the bounds count blocks of calls, not calls;
# 8,000 calls make enough blocks for a confident verdict.
@pytest.mark.latency_sla(ms=50, rate=RATE, max_time=4, overkill=None)
def test_funnel_p99_within_50ms_under_load(latency_sla, funnel_predict):
    """Latency counts from each call's intended start, so queueing behind a slow call counts.
    A machine that cannot serve the rate fails fast ("rate above capacity: target 2,000/s,
    served ..."); the report row shows the rate served."""
    latency_sla(funnel_predict)
