"""Trace ids on log records, so that a log line and the trace it belongs to can be
joined: a :class:`logging.Filter` that sets ``trace_id``, ``span_id`` and
``trace_flags`` (the OpenTelemetry log field names) from :func:`tracewire.scope.current`::

    import logging
    from tracewire.logs import TraceFilter

    handler = logging.StreamHandler()
    handler.addFilter(TraceFilter())
    handler.setFormatter(logging.Formatter("%(message)s trace_id=%(trace_id)s"))

Outside any context the fields are empty strings, so format strings never fail.
"""

from __future__ import annotations

import logging

from .scope import current


class TraceFilter(logging.Filter):
    """Adds ``trace_id``, ``span_id`` (hex) and ``trace_flags`` (two hex digits) of the
    current context to every record it sees; never drops a record. Fields a record
    already has (set through ``extra=``) are left alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        fields = (
            ("trace_id", ctx.trace_id if ctx else ""),
            ("span_id", ctx.span_id if ctx else ""),
            ("trace_flags", f"{ctx.flags:02x}" if ctx else ""),
        )
        for name, value in fields:
            if not hasattr(record, name):
                setattr(record, name, value)
        return True
