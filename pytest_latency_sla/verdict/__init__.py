"""The verdict: raw samples in, ``LatencyResult`` with a ``ThresholdResult`` per threshold out.

``judge`` (the one function that builds every ``ThresholdResult``; engines differ only in where
the bounds come from), ``result`` (the result records), ``measure`` (a measurement end to end,
and its findings: the warnings and the failure message), ``capacity`` (a capacity search end
to end, and its findings). May import ``engine``, ``stats`` and the foundation, never
``reports`` or the pytest edge.
"""
