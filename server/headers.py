"""What every response tells a browser to refuse: sniffing, framing, inline script, leaking the address.

Owns the security headers added to every answer of the app (`secure`, registered once in `server.app`):
Content-Security-Policy, X-Content-Type-Options, X-Frame-Options and Referrer-Policy. What a page links to
is `server.pages.terms`'; what a response holds is its view's.
"""
from __future__ import annotations

from flask import Response

#: scripts only from the site's own files (inline JSON and JSON-LD blocks are data, which script-src
#: leaves alone); styles may be inline because the graph picture's SVG carries its own and its zoom is a
#: style attribute (CSS cannot run code, and every value in a page is escaped); fetch() only to this
#: origin (the query page calls /sparql); no plugins, no <base>, no framing by any site
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a JSON or text answer is never run as a script or page
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # another site learns it was linked from here, not which query or page a person had open
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def secure(response: Response) -> Response:
    """Add the security headers a view has not set itself."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
