"""A test id as HTML that wraps where a person would break it: after each ``/`` of its path and
of its parameters, after ``::``, and before ``[``; never inside a file name, a test name or a
parameter's part (``resnet50-v1.5`` stays whole). A part too long for any column (a generated
id of thousands of characters) may break anywhere rather than run off the page."""

from __future__ import annotations

import re
from html import escape

__all__ = ["breakable", "split_measurement"]

# A part longer than this (characters) may break anywhere: kept whole, it would widen its
# column beyond a phone's screen.
_WHOLE = 32
_SEGMENTS = re.compile(r"\[?[^/\[]*/?")


def breakable(test_id: str) -> str:
    """The escaped id with ``<wbr>`` between its parts, each part in a ``<span class=w>`` that
    does not wrap. Each ``::`` part is its own bidi isolate (``<bdi>``): a right-to-left
    override in a parameter id cannot reorder the rest of the id or the ``#2`` of a second
    measurement."""
    test_id, measurement = split_measurement(test_id)
    parts = test_id.split("::")
    isolated = "::<wbr>".join(f"<bdi>{_segments(part)}</bdi>" for part in parts)
    return isolated + (f"<bdi>{escape(measurement)}</bdi>" if measurement else "")


def _segments(part: str) -> str:
    found = [s for s in _SEGMENTS.findall(part) if s]
    return "<wbr>".join(
        f"<span class=w>{escape(s)}</span>" if len(s) <= _WHOLE else escape(s) for s in found
    )


def split_measurement(test_id: str) -> tuple[str, str]:
    """``("a.py::t", "#2")`` for the second measurement ``a.py::t#2``; ``(test_id, "")``."""
    head, sep, number = test_id.rpartition("#")
    if sep and number.isdigit() and head:
        return head, f"#{number}"
    return test_id, ""
