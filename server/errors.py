"""Which HTTP status each library error is, on every route: /sparql, /update and the pages alike.

Owns `ERROR_STATUS` (kg error type -> status), `status_for` and `retry_after`. How an error is written (plain
text, an HTML page, a JSON report) is each route's: `server.protocol`, `server.update`, `server.pages.site`.
"""
from __future__ import annotations

from kg.errors import EcoKGError, QueryError, StoreError
from kg.stores.interface import (ForbiddenQuery, QuerySyntaxError, QueryTimeout, QueryTooLarge, ServerBusy,
                                 ServiceFailure, ServiceTimeout)

#: library errors -> HTTP status (first match wins: subclasses before their bases). A store that cannot answer
#: (unreachable, an unreadable answer, out of time or memory) is the service being unavailable, not the
#: client's mistake and not a bug: 503, to be asked again later
ERROR_STATUS: list[tuple[type, int]] = [
    (QuerySyntaxError, 400),
    (ForbiddenQuery, 400),
    (QueryTimeout, 503),
    (ServerBusy, 503),
    (QueryTooLarge, 503),
    (ServiceTimeout, 504),
    (ServiceFailure, 502),
    (QueryError, 400),
    (StoreError, 503),
    (EcoKGError, 400),
]


def status_for(error: EcoKGError) -> int:
    return next(status for kind, status in ERROR_STATUS if isinstance(error, kind))


def retry_after(error: EcoKGError) -> dict[str, str]:
    """The Retry-After header of a 503: a second when every worker was busy, five otherwise."""
    if status_for(error) != 503:
        return {}
    return {"Retry-After": "1" if isinstance(error, ServerBusy) else "5"}


__all__ = ["ERROR_STATUS", "retry_after", "status_for"]
