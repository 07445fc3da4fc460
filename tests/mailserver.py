"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

import socket
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Keeper:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


class MailServer:
    """Start/stop an SMTP server on a fixed loopback port; `messages` are parsed emails."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.keeper = _Keeper()
        self.controller = None

    @property
    def messages(self):
        return self.keeper.messages

    def start(self):
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def subjects(self):
        return [str(m["Subject"]) for m in self.messages]

    def text_of(self, message):
        return message.get_body(preferencelist=("plain",)).get_content()
