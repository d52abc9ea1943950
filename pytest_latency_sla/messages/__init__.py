"""Every sentence a user reads: failure lines, warnings, notes, advice, summaries, and the
errors of a measurement. One package, so that the test, the ``latency-sla`` command and every
report word the same thing the same way. Callers import the topic they need:

- ``verdict``: a threshold and its verdict (how a threshold, its estimate and its verdict read),
  the failure and inconclusive messages of a budget, what the samples themselves say;
- ``ratio``: a candidate against a baseline, this run against a stored baseline;
- ``load``: a run at a rate or with concurrent callers;
- ``capacity``: a capacity search;
- ``report``: the summary, the session notes, the environment line, a row's test id;
- ``charts``: titles, captions and tooltips of the HTML report's charts;
- ``errors``: a test set up wrong, a measured call that cannot be timed, raised or crashed;
- ``files``: report paths that cannot be written, ``latency-sla merge``;
- ``common``: what the topics share (``plural``, ``per_second``, a test id on one line) and
  what each setting allows.

Plain data in (the report's ``ResultDict`` / ``ThresholdDict`` records, numbers, names), text
out. Durations are printed by ``units`` with ASCII units. These modules import only ``plan``,
``records``, ``units`` and each other.
"""
