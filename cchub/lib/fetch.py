"""The one way the hub fetches a URL (harvests, training sources, landing pages, deposits),
where the other side may be slow or hostile.

- only http and https;
- the host's addresses are checked before connecting, and the connection goes to the
  address that was checked (no DNS rebinding): loopback, private, link-local, multicast
  and reserved addresses are refused unless the caller allows them;
- redirects are followed by hand (at most five), each target checked again, and
  credentials (Authorization, Cookie) are never sent on to another host;
- a time limit on the whole of each answer (not per read: a trickling server is cut off)
  and a size limit on every response, read in chunks;
- connection failures, timeouts, 429 and 5xx are retried with exponential back-off
  (``Retry-After`` honoured up to a minute); other answers are final.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

USER_AGENT = "CC Hub harvester (+https://github.com/cchub)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    def __init__(self, message: str, retryable: bool = False, status: int = 0):
        super().__init__(message)
        self.message, self.retryable, self.status = message, retryable, status


@dataclass
class Limits:
    timeout: float = 30.0
    max_bytes: int = 20 * 1024 * 1024
    retries: int = 3
    allow_private: bool = False
    backoff: float = 1.0  # seconds before the first retry; doubled each time


def _addresses(host: str, port: int, allow_private: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"{host}: the name does not resolve ({exc.strerror}).", retryable=True) from exc
    found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in found:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not ip.is_global or ip.is_multicast:
                raise FetchError(
                    f"{host} resolves to {address}, a loopback, private or reserved address; "
                    "allow private addresses for this source to harvest it."
                )
    return found


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, **kwargs: Any):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, **kwargs: Any):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _once(
    method: str, url: str, limits: Limits, body: bytes | None, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http and https addresses are fetched.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _addresses(parts.hostname, port, limits.allow_private)[0]
    deadline = time.monotonic() + limits.timeout
    kind = _PinnedTLS if parts.scheme == "https" else _Pinned
    connection = kind(parts.hostname, address, port=port, timeout=limits.timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers},
        )
        if connection.sock is not None:
            connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
        response = connection.getresponse()
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limits.max_bytes:
            raise FetchError(f"{url}: the response is larger than {limits.max_bytes // 1048576} MB.")
        chunks, size = [], 0
        while True:
            # The time limit holds for the whole answer: a server trickling a byte a second
            # does not get a fresh timeout for every read.
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = response.read1(65536)  # one receive at a time, so the deadline is checked
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchError(f"{url}: the response is larger than {limits.max_bytes // 1048576} MB.")
            chunks.append(chunk)
        if length and length.isdigit() and size < int(length):
            raise FetchError(f"{url}: the response was cut short ({size} of {length} bytes).", retryable=True)
        return response.status, {k.lower(): v for k, v in response.getheaders()}, b"".join(chunks)
    except TimeoutError as exc:
        raise FetchError(f"{url}: no answer within {limits.timeout:g} s.", retryable=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(
            f"{url}: the connection failed ({exc.__class__.__name__}: {exc}).", retryable=True
        ) from exc
    finally:
        connection.close()


CREDENTIALS = {"authorization", "cookie", "proxy-authorization"}


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    content: bytes
    url: str

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))


def request(
    method: str,
    url: str,
    limits: Limits,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    sleep: Any = time.sleep,
    retry_timeouts: bool = True,
) -> Response:
    """One HTTP exchange with retries: the final response (any status below 500 but 429),
    or FetchError when the other side kept failing (with ``status`` of the last answer).
    Redirects are followed for GET and HEAD. ``retry_timeouts=False`` for requests that
    must not be sent twice (a timeout may mean the other side acted)."""
    original = dict(headers or {})
    attempt = 0
    while True:
        attempt += 1
        try:
            target, verb, payload, headers = url, method, body, dict(original)
            for _ in range(MAX_REDIRECTS + 1):
                status, response_headers, content = _once(verb, target, limits, payload, headers)
                follow = verb in ("GET", "HEAD") or status == 303
                if follow and status in (301, 302, 303, 307, 308) and response_headers.get("location"):
                    target = urllib.parse.urljoin(target, response_headers["location"])
                    if status == 303:
                        verb, payload = "GET", None
                    if _origin(target) != _origin(url):
                        # Credentials are for the host they were given for, never another.
                        headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIALS}
                    continue
                break
            else:
                raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects.")
            if status == 429 or status >= 500:
                wait = response_headers.get("retry-after", "")
                error = FetchError(f"{target}: HTTP {status}.", retryable=True, status=status)
                error.retry_after = float(wait) if wait.replace(".", "", 1).isdigit() else None  # type: ignore[attr-defined]
                error.content = content  # type: ignore[attr-defined]
                raise error
            return Response(status, response_headers, content, target)
        except FetchError as exc:
            timed_out = "no answer within" in exc.message
            if not exc.retryable or attempt >= max(1, limits.retries) or (timed_out and not retry_timeouts):
                if exc.retryable and attempt > 1:
                    final = FetchError(f"{exc.message} (tried {attempt} times)", status=exc.status)
                    final.content = getattr(exc, "content", b"")  # type: ignore[attr-defined]
                    raise final from exc
                raise
            delay = getattr(exc, "retry_after", None) or limits.backoff * 2 ** (attempt - 1)
            sleep(min(delay, 60.0))


def fetch(
    url: str,
    limits: Limits,
    *,
    data: dict[str, str] | None = None,
    sleep: Any = time.sleep,
) -> bytes:
    """The body of ``url`` (a form POST when ``data`` is given), or FetchError."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    method = "POST" if body is not None else "GET"
    response = request(method, url, limits, body=body, headers=headers, sleep=sleep)
    if response.status >= 400:
        raise FetchError(f"{response.url}: HTTP {response.status}.", status=response.status)
    return response.content
