"""A short value as HTML that never breaks inside: a number kept with its unit, an operator with
its operand (non-breaking spaces), so that ``p99 <= 5 ms`` never reads ``p99 <= 5`` / ``ms``
in a narrow column. A longer value wraps only between its phrases: after its ``threshold:``,
before its bounds (``16.3 us`` / ``[15.3 us, 17.9 us]``), after a comma outside the bounds,
before an ``@ rate``."""

from __future__ import annotations

import re
from html import escape

__all__ = ["ONE_LINE", "phrases", "unbroken"]

# A value shorter than this (characters) never wraps: a column is never narrower than it.
ONE_LINE = 30
# A phrase longer than this (characters) is prose, not a value: it wraps at its spaces, but
# never between a number and its unit or an operator and its operands (_GLUE).
_PROSE = 40
_GLUE = re.compile(r"(?<=\d) (?=(?:ns|us|ms|s)\b)| (?=(?:<=|>=|[<>=]) )|(?<=[<>]=) |(?<= [<>=]) ")
# Where a value may wrap: the space after a colon, before its bounds, after a comma outside the
# bounds, before a rate.
_PHRASE_BREAK = re.compile(r"(?<=:) |(?<=,) (?![^\[]*\])| (?=\[)| (?=@ )")


def unbroken(text: str) -> str:
    """``text`` escaped, every space a non-breaking one."""
    return escape(text).replace(" ", "&nbsp;")


def phrases(text: str) -> str:
    """``text`` escaped: one unbreakable unit under ``ONE_LINE`` characters
    (``201 ns [140 ns, 350 ns]``); longer, unbreakable phrases with a plain space between them
    (``p99 <= 50 ms:`` / ``16.3 us`` / ``[15.3 us, 17.9 us],`` / ``pass``); a phrase of prose
    wraps between its words, but not inside ``p99 <= 1 ms``."""
    parts = [text] if len(text) < ONE_LINE else _PHRASE_BREAK.split(text)
    return " ".join(_glued(p) if len(p) > _PROSE else unbroken(p) for p in parts)


def _glued(prose: str) -> str:
    return "&nbsp;".join(escape(piece) for piece in _GLUE.split(prose))
