"""The one way chat reading refuses a conversation: a reject reason and a sentence."""

from __future__ import annotations


class ChatRejected(Exception):
    """A conversation that cannot be used: ``reason`` is its reject code, the message its detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
