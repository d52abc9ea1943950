"""The statistics of the gate: exact distribution-free bounds of a percentile, the sequential
looks that spend alpha over a sampling run, batch means for correlated runs, the drift check,
and two-sample bounds for ratios; and the seeded simulation (distributions with exact quantiles,
thousands of runs through the same looks) that shows the gate's error rates.

Plain functions on counts and numpy arrays. May import only the foundation modules
(``records``, ``units``, ``messages``), the standard library and numpy: no engine, no verdict,
no pytest.
"""
