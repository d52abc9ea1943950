"""Latency under load: open-loop schedules (a rate), N workers, overload detection.

``schedule`` holds the records and the arrival schedule, ``workers`` the worker threads, ``run``
the entry point ``run_load``. Imports the rest of the engine and the foundation, nothing above.
"""
