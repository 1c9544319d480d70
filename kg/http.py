"""HTTP for every request ECO-KG sends: SERVICE calls, the remote store, publishing and Wikidata.

Owns `HttpClient`: connect and read timeouts within a caller's deadline, bounded retries of 429 and
503 that honour Retry-After (read-only requests only), redirects refused, the allow-list, the cap on
an answer's size, answering a 401 challenge and the project's User-Agent. It does not know SPARQL,
Wikidata or credentials: callers read the `HttpResponse` and turn an `HttpError` into their own errors.
urllib3 is the one client: its pools, its Retry (Retry-After) and its streamed reads give the deadline and
the byte cap that SERVICE calls in the sandboxed workers need, and it starts no threads. Digest auth is
httpx's `DigestAuth` (RFC 7616), whose auth flow this module drives; no request goes through httpx's client.
"""
from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urlencode, urlsplit

from .errors import EcoKGError
from .namespaces import BASE
from .version import __version__

#: answers worth asking again for: the server is busy or rate-limits us, and will say when (Retry-After)
RETRY_STATUSES = frozenset({429, 503})
#: methods that change nothing at the server; others are retried only when the caller says the request is read-only
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRIES = 2
#: seconds one request may spend waiting for retries, in all; a longer Retry-After is not waited for
MAX_RETRY_WAIT = 5.0
#: a retry that would leave less than this before the caller's deadline is not made
MIN_ATTEMPT_SECONDS = 0.5


def user_agent(purpose: str) -> str:
    """The project's User-Agent, naming what the client is for (Wikidata asks clients to say who they are)."""
    return f"eco-kg/{__version__} ({purpose}; {BASE})"


class HttpError(EcoKGError):
    """A request that got no usable answer; ``url`` is where it went, ``reason`` a short cause."""

    def __init__(self, message: str, *, url: str, reason: str = "", **details):
        super().__init__(message, **details)
        self.url = url
        self.reason = reason or message


class HttpNotAllowed(HttpError):
    """The URL is not on the caller's allow-list (or not http/https): no connection was made."""


class HttpUnreachable(HttpError):
    """No connection could be made, or it broke before an answer began."""


class HttpTimeout(HttpError):
    """No answer, or no complete answer, within the time allowed."""


class HttpBrokenOff(HttpError):
    """The answer began, but the connection broke before its end."""


class HttpTooLarge(HttpError):
    """The answer is longer than the caller's cap (``max_bytes``)."""


class HttpAuthUnanswerable(HttpError):
    """The server asks for authentication in a form the client's auth cannot answer (an unknown algorithm)."""


class HttpRedirected(HttpError):
    """The server answered with a redirect (``status``, ``location``), which is never followed."""

    def __init__(self, message: str, *, url: str, status: int, location: str):
        super().__init__(message, url=url)
        self.status = status
        self.location = location


@dataclass(frozen=True)
class HttpResponse:
    """A complete answer: status, headers (case-insensitive), the body as bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def media_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The body as UTF-8 text, undecodable bytes replaced (for error messages: stores answer UTF-8)."""
        return self.body.decode("utf-8", "replace")

    def json(self):
        """The body as JSON; `ValueError` when it is not."""
        return json.loads(self.body)


class HttpClient:
    """One client per purpose; safe to share between threads (connections are pooled per host).

    ``timeout`` is the default read timeout and ``connect_timeout`` the longest a connection may take;
    ``allowlist``, when given, holds the only URLs (without query string) requests may go to;
    ``max_bytes`` caps every answer; ``headers`` go with every request. ``auth`` is an `httpx.Auth`
    (e.g. ``httpx.DigestAuth``): its flow gives each request's Authorization and answers a 401 challenge
    once; a digest auth keeps its nonce count, so a client with one is for one thread (publishing).
    Environment proxies (HTTP(S)_PROXY, NO_PROXY) are honoured, as by other HTTP clients.
    """

    def __init__(self, purpose: str, *, timeout: float = 30.0, connect_timeout: float = 5.0,
                 allowlist: Iterable[str] | None = None, max_bytes: int | None = None, retries: int = RETRIES,
                 max_retry_wait: float = MAX_RETRY_WAIT, headers: Mapping[str, str] | None = None,
                 auth=None, pool_size: int = 16):
        self.headers = {"User-Agent": user_agent(purpose), "Accept-Encoding": "gzip, deflate", **(headers or {})}
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self.allowlist = None if allowlist is None else frozenset(allowlist)
        self.max_bytes, self.retries, self.max_retry_wait = max_bytes, retries, max_retry_wait
        self.auth = auth
        self._pool_size = pool_size
        self._pools: dict[str, object] = {}
        self._lock = threading.Lock()

    def request(self, method: str, url: str, *, params: Mapping | None = None, form: Mapping | None = None,
                body: bytes | None = None, headers: Mapping[str, str] | None = None, timeout: float | None = None,
                deadline: float | None = None, read_only: bool = False) -> HttpResponse:
        """Send one request and read its whole answer.

        ``params`` go in the query string, ``form`` in an urlencoded body (lists give repeated keys).
        ``deadline`` (a `time.monotonic` time) bounds connecting, waiting for retries and reading. A
        429 or 503 is retried when the method is safe or the caller says the request is ``read_only``.
        Any status other than a redirect is returned; the caller judges it.
        """
        # urllib3 is imported at the first request: commands that never go online do not load it
        from urllib3.exceptions import InvalidHeader, MaxRetryError
        from urllib3.util import Retry

        method = method.upper()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HttpNotAllowed(f"{url} is not an http(s) URL", url=url)
        if self.allowlist is not None and url not in self.allowlist:
            raise HttpNotAllowed(f"{url} is not an allowed URL", url=url)
        target = url + (("&" if parts.query else "?") + urlencode(params, doseq=True) if params else "")
        sent = {**self.headers, **(headers or {})}
        if form is not None:
            body = urlencode(form, doseq=True).encode("ascii")
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        retry = Retry(total=self.retries, connect=0, read=0, redirect=0, status=self.retries,
                      status_forcelist=RETRY_STATUSES, backoff_factor=0.5, respect_retry_after_header=True,
                      allowed_methods=SAFE_METHODS | {method} if read_only else SAFE_METHODS)
        waited, auth = 0.0, _AuthFlow(self.auth, method, target)
        while True:
            response = self._send(method, target, body, {**sent, **auth.headers()}, timeout, deadline, url)
            if response.status == 401 and auth.answered(response, url):
                _discard(response)
                continue
            if response.status not in RETRY_STATUSES or not retry.is_retry(
                    method, response.status, "Retry-After" in response.headers):
                break
            try:
                retry = retry.increment(method, url, response=response)
                wait = retry.get_retry_after(response)
            except MaxRetryError:
                break
            except InvalidHeader:
                wait = None
            wait = retry.get_backoff_time() if wait is None else wait
            late = deadline is not None and time.monotonic() + wait + MIN_ATTEMPT_SECONDS > deadline
            if late or waited + wait > self.max_retry_wait:
                break  # the caller sees the 429 or 503 rather than a wait past its budget
            _discard(response)
            time.sleep(wait)
            waited += wait
        if 300 <= response.status < 400:
            _discard(response)
            location = response.headers.get("Location", "")
            raise HttpRedirected(f"{url} answered HTTP {response.status}, a redirect to {location or '?'} that "
                                 "is not followed", url=url, status=response.status, location=location)
        return HttpResponse(response.status, response.headers, self._read(response, url, deadline), url)

    def _send(self, method: str, target: str, body, headers: dict, timeout: float | None, deadline: float | None,
              url: str):
        from urllib3.exceptions import HTTPError, NewConnectionError, TimeoutError
        from urllib3.util import Timeout

        read = self.timeout if timeout is None else timeout
        if deadline is not None:
            read = min(read, deadline - time.monotonic())
            if read <= 0:
                raise HttpTimeout(f"{url}: no time left to ask", url=url, reason="deadline passed")
        try:
            return self._pool_for(target).urlopen(
                method, target, body=body, headers=headers, retries=False, redirect=False, preload_content=False,
                timeout=Timeout(connect=min(self.connect_timeout, read), read=read))
        except TimeoutError as error:
            if isinstance(error, NewConnectionError):  # urllib3 2 counts a refused connection as a timeout too
                raise HttpUnreachable(f"{url} could not be reached: {_reason(error)}", url=url,
                                      reason=_reason(error)) from None
            raise HttpTimeout(f"{url} did not answer within {read:.1f} s", url=url, reason="timed out") from None
        except HTTPError as error:
            raise HttpUnreachable(f"{url} could not be reached: {_reason(error)}", url=url,
                                  reason=_reason(error)) from None

    def _read(self, response, url: str, deadline: float | None) -> bytes:
        from urllib3.exceptions import HTTPError, TimeoutError

        body = bytearray()
        try:
            for chunk in response.stream(65536):
                body += chunk
                if self.max_bytes is not None and len(body) > self.max_bytes:
                    raise HttpTooLarge(f"{url} answered more than {self.max_bytes} bytes", url=url)
                if deadline is not None and time.monotonic() > deadline:
                    raise HttpTimeout(f"{url} did not finish its answer in time", url=url, reason="timed out")
        except HttpError:
            response.close()
            raise
        except TimeoutError:
            response.close()
            raise HttpTimeout(f"{url} stopped answering", url=url, reason="timed out") from None
        except HTTPError as error:
            response.close()
            raise HttpBrokenOff(f"{url} broke off its answer: {_reason(error)}", url=url,
                                reason=_reason(error)) from None
        finally:
            response.release_conn()
        return bytes(body)

    def _pool_for(self, target: str):
        import urllib3

        parts = urlsplit(target)
        proxy = urllib.request.getproxies().get(parts.scheme)
        if proxy and urllib.request.proxy_bypass(parts.hostname or ""):
            proxy = None
        with self._lock:
            pool = self._pools.get(proxy or "")
            if pool is None:
                pool = (urllib3.ProxyManager(proxy, num_pools=4, maxsize=self._pool_size) if proxy
                        else urllib3.PoolManager(num_pools=4, maxsize=self._pool_size))
                self._pools[proxy or ""] = pool
        return pool


class _AuthFlow:
    """One request's way through an `httpx.Auth`: the Authorization to send, and a 401 answered at most once."""

    def __init__(self, auth, method: str, url: str):
        self._flow = self._request = None
        if auth is not None:
            import httpx

            self._flow = auth.sync_auth_flow(httpx.Request(method, url))
            self._request = next(self._flow)

    def headers(self) -> dict[str, str]:
        value = self._request.headers.get("Authorization") if self._request is not None else None
        return {"Authorization": value} if value else {}

    def answered(self, response, url: str) -> bool:
        """True when the auth learnt from the 401 ``response`` what to send again."""
        if self._flow is None:
            return False
        import httpx

        flow, self._flow = self._flow, None  # a second 401 is the caller's to see
        try:
            self._request = flow.send(httpx.Response(response.status, headers=list(response.headers.items()),
                                                     request=self._request))
        except StopIteration:
            return False
        except (httpx.HTTPError, KeyError, ValueError, NotImplementedError) as error:
            scheme = response.headers.get("WWW-Authenticate", "").split(" ")[0] or "?"
            raise HttpAuthUnanswerable(f"{url} asks for {scheme} authentication in a form ECO-KG cannot answer "
                                       f"({type(error).__name__}: {error})", url=url) from None
        return True


def _discard(response) -> None:
    """Read and drop an answer not used, so its connection can serve the next request."""
    try:
        response.drain_conn()
    finally:
        response.release_conn()


def _reason(error: Exception) -> str:
    """``NewConnectionError (Connection refused)``: the type, and the system's words when there are some."""
    text = str(error)
    found = re.search(r"\[Errno -?\d+\] ([^')\]]+)", text)
    return f"{type(error).__name__} ({found.group(1).strip()})" if found else type(error).__name__


__all__ = ["HttpClient", "HttpResponse", "HttpError", "HttpAuthUnanswerable", "HttpNotAllowed", "HttpUnreachable",
           "HttpTimeout", "HttpBrokenOff", "HttpTooLarge", "HttpRedirected", "user_agent", "RETRY_STATUSES",
           "SAFE_METHODS"]
