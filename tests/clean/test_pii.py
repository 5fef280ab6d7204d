"""PII detection and redaction: every kind found and replaced, and the look-alikes left alone."""

from __future__ import annotations

import pytest

from pipeline.clean.pii import PII_TYPES, luhn_valid, redact_pii

TRUE_POSITIVES = [
    ("Write to john.doe+test@example.co.uk today", "Write to <EMAIL> today", "email"),
    ("US office: (555) 123-4567.", "US office: <PHONE>.", "phone"),
    ("call 555-123-4567 or 555.123.4567", "call <PHONE> or <PHONE>", "phone"),
    ("London +44 20 7946 0958, Berlin +49 30 1234567", "London <PHONE>, Berlin <PHONE>", "phone"),
    ("Call 09061701461 now", "Call <PHONE> now", "phone"),
    ("apply 08452810075over18's", "apply <PHONE>over18's", "phone"),
    ("tel 030 12345678", "tel <PHONE>", "phone"),
    ("card 4111 1111 1111 1111 exp 12/27", "card <CREDIT_CARD> exp 12/27", "credit_card"),
    ("amex 378282246310005", "amex <CREDIT_CARD>", "credit_card"),
    ("pay with 5555-5555-5555-4444", "pay with <CREDIT_CARD>", "credit_card"),
    ("host 192.168.0.17 is down", "host <IP_ADDRESS> is down", "ip_address"),
    ("ping 2001:db8::8a2e:370:7334 and fe80::1", "ping <IP_ADDRESS> and <IP_ADDRESS>", "ip_address"),
    ("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY_ID=<SECRET>", "aws_access_key"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token <SECRET>", "github_token"),
    ("key: github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstu", "key: <SECRET>", "github_token"),
    ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx123", "OPENAI_API_KEY=<SECRET>", "api_key"),
    ("use sk-abcdefghijklmnopqrstuvwxyz012345 here", "use <SECRET> here", "api_key"),
    (
        "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx4\nabc+/=\n-----END RSA PRIVATE KEY-----\nthanks",
        "key:\n<SECRET>\nthanks",
        "private_key",
    ),
]

FALSE_POSITIVES = [
    "Upgrade to version 1.2.3.4 or v2.10.4; Python 3.11.4 works.",
    "Released on 2023-01-15, 15.01.2023 and 01/15/2023.",
    "Order #123456789 shipped; order 5551234567 is late; invoice no. 0123456789 paid.",
    "Ticket 4111111111111112 was closed.",  # 16 digits that fail the Luhn check
    "The meeting is at 12:30:45, MAC 00:1A:2B:3C:4D:5E.",
    "std::vector<int> v; a::b; build 10.0.19041.1234",
    "It costs 1,234,567.89 dollars; pi is 3.14159 265358.",
    "Text FA to 87121 to receive entry question",
    "Decorators like @app.route and user@localhost are not addresses.",
    "ISBN 978-3-16-148410-0 and 0.123 4567 890",
]


@pytest.mark.parametrize(("text", "redacted", "kind"), TRUE_POSITIVES)
def test_each_kind_is_redacted_with_its_placeholder(text, redacted, kind):
    """Every PII kind is replaced by its typed placeholder and counted under its kind."""
    result, found = redact_pii(text)
    assert result == redacted
    assert found[kind] >= 1
    assert set(found) == {kind}


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_look_alikes_are_left_alone(text):
    """Versions, dates, order ids, times, Luhn-failing numbers and code are not PII."""
    assert redact_pii(text) == (text, {})


def test_luhn_accepts_real_card_numbers_and_rejects_one_digit_off():
    """The Luhn check passes test card numbers and fails the same number with its last digit changed."""
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


def test_disabled_types_are_not_looked_for():
    """Only the PII groups asked for are redacted."""
    text = "mail a@b.io from 10.0.0.1"
    assert redact_pii(text, ("email",)) == ("mail <EMAIL> from 10.0.0.1", {"email": 1})
    assert set(PII_TYPES) == {"email", "phone", "credit_card", "ip_address", "secret"}


def test_counts_add_up_over_several_findings():
    """Several findings of several kinds in one text are each counted."""
    _, found = redact_pii("a@b.io, c@d.io, 192.168.1.1, call +1 555 123 4567")
    assert found == {"email": 2, "ip_address": 1, "phone": 1}
