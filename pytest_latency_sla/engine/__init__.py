"""The engines: they call the measured code and record raw samples, no verdict.

``clock`` (the one clock every timed call and deadline reads), ``target`` (the measured call),
``sampler`` (closed loop, sequential looks), ``load`` (open loop and N workers), ``collect``
(either, for one plan), ``isolation`` (either, in a forked child), ``environment`` (what the
machine is). May import ``stats`` and the foundation (``records``, ``units``, ``messages``,
``plan``), never ``verdict``, ``reports`` or the pytest edge.
"""
