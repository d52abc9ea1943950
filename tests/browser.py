"""A real headless Chromium for the tests that look at a page (Debian's ``chromium`` package,
driven by Playwright for Python; no browser is downloaded), and the page's layout measured in
it, numerically: what sticks out of the screen, cells narrower than their column's name, short
values broken over two lines, chart labels cut off, and where test ids wrap.

``.ci/run`` installs Chromium where it is missing; the tests skip, saying why, only where it
cannot be had."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium (``CHROMIUM`` in the environment names another), or ``None``."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable() -> str | None:
    """Why no browser test can run here, or ``None``."""
    if chromium_path() is None:
        return (
            "Chromium is not installed (/usr/bin/chromium): .ci/run installs Debian's chromium "
            "package; locally: apt-get install chromium"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed: pip install -e '.[test]'"
    return None


@contextmanager
def launched() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``) for as long as the block runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, timeout=120_000
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def opened(browser: Any, path: Path, width: int, height: int = 900) -> Iterator[Any]:
    """``path`` open in a new page ``width`` CSS pixels wide; network requests fail the test."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri(), wait_until="load")
        yield page
        remote = [url for url in requests if not url.startswith(("file:", "data:", "about:"))]
        assert not remote, f"the page fetched {remote}"
    finally:
        page.close()


# Run in the page: every layout problem found, as a sentence. ``scrollers`` is a CSS selector of
# the boxes that may scroll sideways on purpose; ``ids`` of the elements holding test ids.
LAYOUT_JS = """
([scrollers, ids, oneLine]) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '') +
      (el.id ? '#' + el.id : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const shown = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      if (getComputedStyle(e).display === 'none') return false;
    }
    return true;
  };
  const scrolling = (el) => el.closest(scrollers) !== null;

  // 1. nothing runs off the screen, except inside a box that scrolls sideways on purpose
  if (document.documentElement.scrollWidth > vw) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${vw}`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || scrolling(el)) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      problems.push(`${name(el)} runs off the screen: ${r.left.toFixed(0)}..${r.right.toFixed(0)} of ${vw}`);
    }
  }
  // 2. no cell narrower than its column's name (its longest word), nothing spilling out of a cell
  const measure = document.createElement('span');
  measure.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(measure);
  const wordWidth = (text, style) => {
    for (const key of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'letterSpacing']) {
      measure.style[key] = style[key];
    }
    let widest = 0;
    for (const word of text.split(/\\s+/)) {
      measure.textContent = word;
      widest = Math.max(widest, measure.getBoundingClientRect().width);
    }
    return widest;
  };
  for (const table of document.querySelectorAll('table.results')) {
    const heads = [...table.querySelectorAll('thead th')];
    for (const row of table.querySelectorAll('tbody tr')) {
      [...row.children].forEach((td, i) => {
        const before = getComputedStyle(td, '::before');
        const labelled = before.content && before.content !== 'none' && before.display !== 'none';
        const word = wordWidth(heads[i].textContent, labelled ? before : getComputedStyle(heads[i]));
        const width = labelled ? td.clientWidth - parseFloat(getComputedStyle(td).paddingLeft) -
            parseFloat(getComputedStyle(td).paddingRight) : td.getBoundingClientRect().width;
        if (width + 0.5 < word) {
          problems.push(`cell ${name(td)} is ${width.toFixed(1)} px, narrower than "${heads[i].textContent}" (${word.toFixed(1)} px)`);
        }
        if (td.scrollWidth > td.clientWidth + 1) {
          problems.push(`cell ${name(td)} spills out: ${td.scrollWidth} px in ${td.clientWidth}`);
        }
      });
    }
    const box = table.closest(scrollers);
    if (box && box.scrollWidth > box.clientWidth + 1) {
      problems.push(`the results table scrolls sideways: ${box.scrollWidth} px in ${box.clientWidth}`);
    }
  }
  measure.remove();
  // 3. every verdict on the screen, whole
  for (const td of document.querySelectorAll('table.results tbody td:nth-child(8)')) {
    const r = td.getBoundingClientRect();
    if (r.left < 0 || r.right > vw + 0.5 || td.scrollWidth > td.clientWidth + 1) {
      problems.push(`verdict ${name(td)} not whole on the screen: ${r.left.toFixed(0)}..${r.right.toFixed(0)} of ${vw}`);
    }
  }
  // 4. chart labels inside their chart and at least 10 px high
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      if (!shown(text)) continue;
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
        problems.push(`chart label "${text.textContent}" cut off: ${r.left.toFixed(0)}..${r.right.toFixed(0)} in ${box.left.toFixed(0)}..${box.right.toFixed(0)}`);
      }
      if (r.height < 10) problems.push(`chart label "${text.textContent}" is ${r.height.toFixed(1)} px high`);
    }
  }
  // 5. a short threshold or estimate (under oneLine characters, its load details aside) on one
  //    line: its column is never squeezed below it, it never breaks inside
  const lines = (el) => {
    const range = document.createRange();
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.detail')) continue;
      for (let i = 0; i < node.length; i++) {
        if (!node.data[i].trim()) continue;
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (rect) tops.add(Math.round(rect.top));
      }
    }
    return tops.size;
  };
  for (const td of document.querySelectorAll(
      'table.results tbody td:nth-child(2), table.results tbody td:nth-child(3)')) {
    const text = [...td.childNodes].filter(n => !(n.nodeType === 1 && n.classList.contains('detail')))
        .map(n => n.textContent).join('').replace(/\\s+/g, ' ').trim();
    const count = lines(td);
    if (text.length < oneLine && count > 1) {
      problems.push(`short value "${text}" wraps onto ${count} lines in ${td.getBoundingClientRect().width.toFixed(0)} px`);
    }
  }
  // 6. where each test id wraps: the characters on either side of every line break
  const breaks = [];
  for (const el of document.querySelectorAll(ids)) {
    if (!shown(el)) continue;
    const range = document.createRange();
    let previous = null, before = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (previous !== null && rect.top > previous + 2) {
          breaks.push([el.textContent, before, node.data[i]]);
        }
        previous = rect.top;
        before = node.data[i];
      }
    }
  }
  return {problems, breaks};
}
"""


def layout(
    page: Any, scrollers: str = ".scroll", ids: str = "code", one_line: int = 30
) -> dict[str, Any]:
    """The page's layout problems (``problems``: sentences) and its id line breaks
    (``breaks``: the id, the character before the break, the one after). A threshold or an
    estimate in the results table shorter than ``one_line`` characters must be on one line."""
    found: dict[str, Any] = page.evaluate(LAYOUT_JS, [scrollers, ids, one_line])
    return found
