"""A real SMTP server for tests (aiosmtpd on a free loopback port) that counts what it got:
messages, Message-IDs and sessions (connections that said EHLO)."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections import Counter
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """What the server accepted. `delay` slows every message down (seconds); a recipient
    in `refuse` is refused (550), which fails that one email."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.refuse: set[str] = set()
        self.messages: list[Message] = []
        self.sessions = 0  # EHLO greetings: one per SMTP session
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def ids(self, prefix: str = "") -> Counter[str]:
        with self.lock:
            found = [m["Message-ID"].strip() for m in self.messages]
        return Counter(i for i in found if i.startswith(prefix))

    def count(self, prefix: str = "") -> int:
        return sum(self.ids(prefix).values())


class SmtpServer:
    def __init__(self, port: int, inbox: Inbox) -> None:
        self.port = port
        self.inbox = inbox
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
