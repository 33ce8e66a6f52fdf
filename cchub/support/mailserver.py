"""An SMTP listener (aiosmtpd) that threads incoming replies into tickets."""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from cchub.support.mailin import receive


def _receive(content: bytes) -> str:
    """Thread one message, in a worker thread, as one unit of work: its database connection
    is closed afterwards, as a request's is (a thread that keeps one open holds it forever)."""
    try:
        return receive(content)
    finally:
        connections.close_all()


class ReplyHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content
        outcome = await sync_to_async(_receive, thread_sensitive=False)(bytes(content))
        if outcome.startswith("rejected"):
            return f"550 {outcome}"[:200]
        return "250 " + outcome[:150]


def start(host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    controller = Controller(ReplyHandler(), hostname=host, port=port)
    controller.start()
    return controller


def serve_forever(host: str, port: int) -> None:
    controller = start(host, port)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
