"""A small InvenioRDM (Zenodo) REST API for the deposit tests, on 127.0.0.1: the subset the
hub uses (drafts, draft files, DOI reservation, communities, community-submission review,
requests), with failures to order (401, 413, 429 with Retry-After, 500, timeouts)."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    method: str
    path: str  # a regular expression matched against the path
    kind: str  # "401", "413", "429", "500" or "timeout"
    times: int = 1


@dataclass
class State:
    token: str = "secret-token"
    max_file: int = 1024 * 1024
    communities: dict[str, str] = field(
        default_factory=lambda: {"escape2020": "c0ffee00-0000-4000-8000-000000000001"}
    )
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    counter: int = 0
    sleep: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.calls if m == method and re.fullmatch(pattern, p))


def _handler(state: State) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: Any = None, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _fault(self, method: str, path: str) -> bool:
            with state.lock:
                for fault in state.faults:
                    if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                        fault.times -= 1
                        kind = fault.kind
                        break
                else:
                    return False
            if kind == "timeout":
                time.sleep(state.sleep)
                return True
            if kind == "429":
                self._send(429, {"status": 429, "message": "Too many requests"}, {"Retry-After": "0"})
            else:
                self._send(int(kind), {"status": int(kind), "message": f"Injected {kind}"})
            return True

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            state.calls.append((method, path))
            if self._fault(method, path):
                return
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(
                    401, {"status": 401, "message": "The server could not verify that you are authorized"}
                )
                return
            try:
                self._route(method, path, body)
            except (KeyError, ValueError) as exc:
                self._send(400, {"status": 400, "message": f"Bad request: {exc}"})

        def _route(self, method: str, path: str, body: bytes) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            match = re.fullmatch(r"/api/records/([^/]+)/draft(/.*)?", path)
            if method == "POST" and path == "/api/records":
                data = json.loads(body)
                if not data["metadata"].get("title"):
                    raise ValueError("metadata.title is required")
                with state.lock:
                    state.counter += 1
                    rid = f"rec-{state.counter:04d}"
                state.drafts[rid] = {
                    "record": data,
                    "files": {},
                    "committed": set(),
                    "doi": "",
                    "review": None,
                }
                self._send(201, {"id": rid, "links": {"self_html": f"{base}/uploads/{rid}"}, **data})
                return
            if match and match.group(1) in state.drafts:
                draft, rest = state.drafts[match.group(1)], match.group(2) or ""
                if method == "PUT" and rest == "":
                    draft["record"] = json.loads(body)
                    self._send(200, {"id": match.group(1), **draft["record"]})
                elif method == "GET" and rest == "/files":
                    self._send(200, {"entries": [{"key": k} for k in draft["files"]]})
                elif method == "POST" and rest == "/files":
                    for entry in json.loads(body):
                        if entry["key"] in draft["files"]:
                            raise ValueError(f"file {entry['key']} exists")
                        draft["files"][entry["key"]] = b""
                    self._send(201, {"entries": [{"key": k} for k in draft["files"]]})
                elif method == "PUT" and rest.endswith("/content"):
                    key = rest.split("/")[2]
                    if len(body) > state.max_file:
                        self._send(413, {"status": 413, "message": "File too large"})
                        return
                    draft["files"][key] = body
                    self._send(200, {"key": key, "size": len(body)})
                elif method == "POST" and rest.endswith("/commit"):
                    draft["committed"].add(rest.split("/")[2])
                    self._send(200, {"status": "completed"})
                elif method == "POST" and rest == "/pids/doi":
                    draft["doi"] = f"10.5072/zenodo.{match.group(1).split('-')[1]}"
                    self._send(201, {"pids": {"doi": {"identifier": draft["doi"], "provider": "datacite"}}})
                elif method == "PUT" and rest == "/review":
                    data = json.loads(body)
                    if data["receiver"]["community"] not in state.communities.values():
                        self._send(404, {"status": 404, "message": "Community not found"})
                        return
                    draft["review"] = data
                    self._send(200, data)
                elif method == "POST" and rest == "/actions/submit-review":
                    if draft["review"] is None:
                        raise ValueError("no review request")
                    rid = f"req-{match.group(1)}"
                    state.requests[rid] = {"id": rid, "status": "submitted", "record": match.group(1)}
                    self._send(202, state.requests[rid])
                else:
                    self._send(404, {"status": 404, "message": "Not found"})
                return
            community = re.fullmatch(r"/api/communities/([^/]+)", path)
            if method == "GET" and community:
                slug = community.group(1)
                if slug in state.communities:
                    self._send(200, {"id": state.communities[slug], "slug": slug})
                else:
                    self._send(404, {"status": 404, "message": "Community not found"})
                return
            request = re.fullmatch(r"/api/requests/([^/]+)", path)
            if method == "GET" and request and request.group(1) in state.requests:
                self._send(200, state.requests[request.group(1)])
                return
            self._send(404, {"status": 404, "message": "Not found"})

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

    return Handler


@contextmanager
def invenio() -> Iterator[tuple[str, State]]:
    """A running repository: (its base address, its state)."""
    state = State()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
