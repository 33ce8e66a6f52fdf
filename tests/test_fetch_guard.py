"""The one guarded way to fetch a URL: no private address unless allowed, every redirect
checked again, credentials never sent to another host, time bounded in total."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from cchub.lib import fetch
from cchub.lib.fetch import FetchError, Limits


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers by path: /redirect?to=URL, /trickle, anything else 200 with the path; keeps
    the headers each request came with."""

    seen: list[tuple[int, str, dict[str, str]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        port = self.server.server_address[1]
        Recorder.seen.append((port, self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.path.startswith("/redirect?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.end_headers()
            return
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
            return
        body = f"INTERNAL {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def servers() -> Iterator[tuple[str, str]]:
    """Two servers on 127.0.0.1: two origins."""
    Recorder.seen = []
    running = []
    for _ in range(2):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in running)  # type: ignore[misc]
    for server in running:
        server.shutdown()


ALLOWED = Limits(timeout=5, retries=1, allow_private=True)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/", "http://localhost:9/", "http://[::1]:9/", "http://0.0.0.0:9/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/",
    "http://[::ffff:127.0.0.1]:9/", "file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/",
])
def test_private_and_odd_addresses_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(FetchError) as refused:
        fetch.fetch(url, Limits(timeout=1, retries=1))
    assert "private or reserved" in refused.value.message or "only http and https" in refused.value.message


def test_every_redirect_is_checked_again(servers: tuple[str, str], monkeypatch: Any) -> None:
    """A public-looking host that redirects to an internal one gets nothing from it."""
    first, second = servers
    real = fetch._addresses

    def resolve(host: str, port: int, allow_private: bool) -> list[str]:
        return ["127.0.0.1"] if host == "public.test" else real(host, port, allow_private)

    monkeypatch.setattr(fetch, "_addresses", resolve)
    public = first.replace("127.0.0.1", "public.test")
    assert fetch.fetch(f"{public}/page", Limits(timeout=5, retries=1)) == b"INTERNAL /page"
    with pytest.raises(FetchError) as refused:
        fetch.fetch(f"{public}/redirect?to={second}/secret", Limits(timeout=5, retries=1))
    assert "private or reserved" in refused.value.message
    assert not any(path == "/secret" for _, path, _ in Recorder.seen)


def test_credentials_never_follow_a_redirect_to_another_host(servers: tuple[str, str]) -> None:
    first, second = servers
    secret = {"Authorization": "Bearer SECRET-DEPOSIT-TOKEN", "Cookie": "session=s"}
    # Same origin: the token goes along (a repository redirecting within itself).
    fetch.request("GET", f"{first}/redirect?to={first}/same", ALLOWED, headers=secret)
    # Another origin: it does not, for GET and for the GET after a 303.
    fetch.request("GET", f"{first}/redirect?to={second}/collect-token", ALLOWED, headers=secret)
    by_path = {path: headers for _, path, headers in Recorder.seen}
    assert by_path["/same"]["authorization"] == "Bearer SECRET-DEPOSIT-TOKEN"
    assert "authorization" not in by_path["/collect-token"] and "cookie" not in by_path["/collect-token"]
    # A retry starts again with the caller's headers (a later attempt to the first host has them).
    assert by_path[f"/redirect?to={second}/collect-token"]["authorization"].endswith("TOKEN")


def test_a_trickling_server_is_cut_off_in_total_time(servers: tuple[str, str]) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as slow:
        fetch.fetch(f"{servers[0]}/trickle", Limits(timeout=1.0, retries=1, allow_private=True))
    elapsed = time.monotonic() - started
    assert "no answer within" in slow.value.message and elapsed < 3.0, elapsed


def test_training_sources_use_the_guard(db: Any, servers: tuple[str, str]) -> None:
    from cchub.testing import factories
    from cchub.training import ingest
    from cchub.training.models import Source

    source = Source.objects.create(centre=factories.centre_named("kit"), kind=Source.ICAL,
                                   url=f"{servers[0]}/calendar.ics")
    report = ingest.run_source(source)
    assert not report.ok and "private or reserved" in report.rejected[0]
    assert "INTERNAL" not in str(Source.objects.get().last_report)
    assert not Recorder.seen
