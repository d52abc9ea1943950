"""What every topic shares: counts (``plural``), rates (``per_second``), a test id on one line
(``printable``, ``shorten_middle``), and what each setting allows (the ``*_ALLOWED`` sentences,
a percentile given as a fraction).
"""

from __future__ import annotations

from ..plan import (
    MAX_CONCURRENCY,
    MAX_RATE,
    MAX_RATIO,
    MAX_TIME_S,
    MAX_WARMUP,
    MIN_RATE,
    PERCENTILE_EDGE,
)

# A p50 under this many timer overheads is said to be near the timer's resolution.
RESOLUTION_FACTOR = 10

# What a setting allows, where "positive and finite" is not the whole rule (see ``plan``).
PERCENTILE_ALLOWED = (
    f"percentile must be a number with 0 < p < 100, at least {PERCENTILE_EDGE:g} from either end"
)
MAX_TIME_ALLOWED = (
    f"max_time must be a positive number of seconds, at most {MAX_TIME_S:,.0f} (a day)"
)
WARMUP_ALLOWED = f"warmup must be an int from 0 to {MAX_WARMUP:,} (number of un-timed calls)"
RATE_ALLOWED = f"rate must be from {MIN_RATE:g} to {MAX_RATE:g} calls per second (one per ns)"
CONCURRENCY_ALLOWED = (
    f"concurrency must be an int from 1 to {MAX_CONCURRENCY:,} (one thread per worker)"
)
MIN_RATE_ALLOWED = (
    f"min_rate must be from {MIN_RATE:g} to {MAX_RATE:g} calls per second, the rate "
    "latency_sla.capacity must hold"
)
RATIO_ALLOWED = (
    f"ratio must be a positive number, at most {MAX_RATIO:,.0f}, candidate / baseline "
    "(e.g. ratio=0.8: the candidate at most 0.8x the baseline)"
)
REGRESSION_ALLOWED = (
    f"expected a percentage from 0 to {(MAX_RATIO - 1) * 100:,.0f} (a slowdown to "
    f"{MAX_RATIO:,.0f}x) with its %, such as 10%"
)
CAPACITY_TIME_ALLOWED = (
    "capacity_time must be a positive number of seconds, at least max_time (room for the "
    f"closed-loop start and one probe of max_time) and at most {MAX_TIME_S:,.0f} (a day)"
)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 call``, ``2 calls``, ``1,000 calls``."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def per_second(rate: float) -> str:
    """``28,000/s``; below 10/s three significant digits (``2.5/s``)."""
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.3g}/s"


def percent_of(fraction: float) -> str:
    """``0.99`` as the percentile it stands for: ``99``; ``0.999``: ``99.9``."""
    meant = round(float(fraction) * 100, 10)
    return str(int(meant)) if meant.is_integer() else repr(meant)


def percentile_fraction(value: float, spelled: str) -> str:
    """A percentile given as a fraction (``0.99``): what it should have been (``spelled`` is how
    the user writes the setting: ``percentile=``, ``--percentile ``)."""
    return f"percentile is in percent (0 < p < 100); did you mean {spelled}{percent_of(value)}?"


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its middle left out as ``...``: the start of a
    test id (its file) and its end (the test, its parameters, ``#2``) both stay readable."""
    if len(text) <= width:
        return text
    head, tail = middle_cut(text, width - 3)
    return f"{head}...{tail}"


def middle_cut(text: str, keep: int) -> tuple[str, str]:
    """The start and the end of ``text`` that ``keep`` characters hold (the start the shorter
    by one when ``keep`` is odd), for a longer ``text`` shown with its middle left out."""
    head = keep // 2
    return text[:head], text[len(text) - (keep - head) :]


def shown_value(value: object, width: int = 100) -> str:
    """``repr(value)`` on one line in at most ``width`` characters, any cut marked ``...`` in
    the middle (``shorten_middle``), never cut mid-word at the end."""
    return shorten_middle(printable(repr(value)), width)


def printable(text: str) -> str:
    """``text`` on one line, shown in the order it is stored: control characters (newlines,
    escapes), format characters (bidi overrides, zero-width marks) and line separators written
    as Python writes them (``\\n``, ``\\x1b``, ``\\u202e``); other characters unchanged."""
    if text.isprintable():
        return text
    import unicodedata

    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE
        else ch
        for ch in text
    )


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
