"""The reports: the session's JSON-able record (``document``), the terminal and Markdown table
(``table``, ``markdown``), the HTML page (``html``), written atomically (``files``).

They read the records of ``records`` (``ReportDict``, ``ResultDict``) and word them with
``messages``; they import no engine and no verdict module, and no pytest object reaches them.
"""
