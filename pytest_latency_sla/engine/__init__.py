"""The engines: they call the measured code and record raw samples, no verdict.

``clock`` (the one clock every timed call and deadline reads), ``target`` (the measured call),
``sampler`` (closed loop, sequential looks), ``load`` (open loop and N workers; ``simulated``:
load runs on simulated time), ``capacity`` (the search for the highest rate that holds, over
load runs; ``bracket``: where it probes next), ``collect`` (any of them, for one plan),
``isolation`` (the same, in a forked child), ``environment`` (what the machine is). May import
``stats`` and the foundation (``records``, ``units``, ``messages``, ``plan``), never ``verdict``,
``reports`` or the pytest edge.
"""
