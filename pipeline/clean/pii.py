"""Find and redact personal data and secrets in text, with typed placeholders.

Kinds found (and the placeholder each becomes):

- ``private_key`` (``<SECRET>``): PEM private key blocks, BEGIN to END;
- ``aws_access_key``, ``github_token``, ``api_key`` (``<SECRET>``): AWS key ids (AKIA...), GitHub tokens (ghp_...,
  github_pat_...), ``sk-...`` keys (OpenAI, Anthropic and the like), GitLab (``glpat-``), npm (``npm_``), PyPI
  (``pypi-AgEI...``) and SendGrid (``SG.``) tokens;
- ``aws_secret_key`` (``<SECRET>``): the value given to ``aws_secret_access_key`` (``secret_access_key``,
  ``AWS_SECRET_KEY``, any case): 40
  base64 characters after ``=``, ``:`` or quotes; the name is kept;
- ``jwt`` (``<SECRET>``): JSON Web Tokens, three base64url parts whose header decodes to a JSON object;
- ``slack_token`` (``<SECRET>``): Slack tokens (``xoxb-``, ``xoxp-``, ...) and incoming-webhook URLs;
- ``stripe_key`` (``<SECRET>``): Stripe secret and restricted keys (``sk_live_``, ``rk_live_``, ``sk_test_``...);
- ``google_api_key`` (``<SECRET>``): Google API keys (``AIza`` and 35 more characters);
- ``iban`` (``<IBAN>``): International Bank Account Numbers, printed or electronic form, of the length their
  country uses and passing the ISO 13616 mod-97 check (so a random code that looks like one is left alone);
- ``email`` (``<EMAIL>``);
- ``ip_address`` (``<IP_ADDRESS>``): IPv4 (each octet 0-255) and IPv6 (validated by :mod:`ipaddress`);
- ``credit_card`` (``<CREDIT_CARD>``): 13-19 digits, optionally grouped by spaces or dashes, starting with a payment
  card's first digit (2-6) and passing the Luhn check;
- ``phone`` (``<PHONE>``): international (+...), grouped (555-123-4567, (030) 1234 5678) or a bare 10-11 digit
  national number starting with 0. Numbers led by an id word (order, invoice, ref, ticket, #...) are left alone,
  and dates and version numbers do not have a phone's shape.

Kinds are applied in the order above: each replacement removes the digits a later, looser pattern could misread
(a card number is never half-read as a phone number).

**Example values are not personal data.** With an :class:`~pipeline.clean.pii_examples.ExampleValues` policy
(the clean stage passes one unless ``pii_keep_examples = false``), values reserved for documentation and the
user's allowlist are kept as written, counted apart (``kept``) and never redacted or rejected; see
:mod:`pipeline.clean.pii_examples` for the list. Without a policy (:func:`redact_pii`'s default) every finding is redacted, as before.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from pipeline.clean.iban import iban_spans
from pipeline.clean.pii_examples import ExampleValues

PII_TYPES = ("email", "phone", "credit_card", "ip_address", "secret", "iban")
"""The groups a user can switch on or off (``[clean] pii_types``); ``secret`` covers every secret kind."""

PLACEHOLDERS = {
    "email": "<EMAIL>",
    "phone": "<PHONE>",
    "credit_card": "<CREDIT_CARD>",
    "ip_address": "<IP_ADDRESS>",
    "secret": "<SECRET>",
    "iban": "<IBAN>",
}

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|\Z)",
    re.DOTALL,
)
_AWS_ACCESS_KEY = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])")
_GITHUB_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})")
_API_KEY = re.compile(r"(?<![A-Za-z0-9_-])sk-(?:[A-Za-z0-9]+-){0,2}[A-Za-z0-9_-]{20,}")
_OTHER_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"
)
# The name may be quoted or bracketed (JSON, INI, env files, Python dicts); the value is 40 base64 characters.
_AWS_SECRET_KEY = re.compile(
    r"(?:(?:aws_?)?secret_?access_?key|aws_?secret_?key)[\"'\]]?\s*(?:=|:|=>|,)\s*[\"']?"
    r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
    re.I,
)
_JWT = re.compile(
    r"(?<![A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}={0,2}\.eyJ[A-Za-z0-9_-]{8,}={0,2}\.[A-Za-z0-9_-]*={0,2}(?![A-Za-z0-9_-])"
)
_SLACK = re.compile(
    r"(?<![A-Za-z0-9])(?:xox[abposr]-[0-9A-Za-z]+(?:-[0-9A-Za-z]+)+"
    r"|https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_/-]{20,})"
)
_STRIPE = re.compile(r"(?<![A-Za-z0-9])[sr]k_(?:live|test)_[0-9A-Za-z]{16,}(?![A-Za-z0-9])")
_GOOGLE_API_KEY = re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])")
# A country code, two check digits and 11 to 30 letters or digits, in groups of four (printed form) or not.
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b")
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]\d)")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])")
_CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"  # +44 20 7946 0958, +1 (555) 123-4567
    r"|\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,5}"  # (555) 123-4567, (030) 1234 5678
    r"|\d{3}[.-]\d{3}[.-]\d{4}|\d{3} \d{3} \d{4}"  # 555-123-4567, 555.123.4567, 555 123 4567
    r"|0\d{9,10}"  # 07712345678, 09061701461 (national trunk prefix, no separators)
    r"|0\d{1,4}[ /.-]\d{3,8}(?:[ .-]\d{3,5})?"  # 030 12345678, 0171 555 1234
    r")(?!\d)"
)
# A number right after one of these words is an identifier, not a phone number.
_ID_WORDS = re.compile(
    r"(?:#|\b(?:order|invoice|ref|reference|ticket|tracking|account|acct|id|sku|po|case|no|nr)\b[.:]?)\s*$", re.I
)
_VERSION_WORDS = re.compile(r"(?:\bv|\bversion\s*|\bver\.?\s*)$", re.I)

Finder = Callable[[str], list[tuple[int, int]]]


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum that every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _spans(pattern: re.Pattern[str]) -> Finder:
    return lambda text: [m.span() for m in pattern.finditer(text)]


def _ipv4_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _IPV4.finditer(text) if not _VERSION_WORDS.search(text[max(0, m.start() - 10) : m.start()])]


def _ipv6_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _IPV6_CANDIDATE.finditer(text):
        candidate = match.group()
        if not any(c.isdigit() for c in candidate) or candidate.count(":") < 2:
            continue  # "a::b" or "::" in code is not an address worth redacting
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue  # times (12:30:45), MAC addresses, C++ scopes
        spans.append(match.span())
    return spans


# The first digit of a payment card (ISO/IEC 7812's major industry identifier) is 2-6: Mastercard's 2-series, Amex,
# Diners and JCB (3), Visa (4), Mastercard and Maestro (5), Discover, UnionPay and Maestro (6). A Luhn-valid number
# that starts otherwise is an ISBN-13 (978/979), a SIM card's ICCID (89), an EAN barcode: not a card.
_CARD_ISSUER_DIGITS = frozenset("23456")


def _card_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CARD_CANDIDATE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and digits[0] in _CARD_ISSUER_DIGITS and len(set(digits)) > 1 and luhn_valid(digits):
            spans.append(match.span())
    return spans


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _PHONE.finditer(text):
        before = text[max(0, match.start() - 20) : match.start()]
        if _ID_WORDS.search(before) or _VERSION_WORDS.search(before):
            continue
        if not 8 <= sum(c.isdigit() for c in match.group()) <= 15:
            continue  # too few digits for a phone number, too many for any numbering plan
        spans.append(match.span())
    return spans


def _aws_secret_spans(text: str) -> list[tuple[int, int]]:
    return [m.span(1) for m in _AWS_SECRET_KEY.finditer(text)]


def _jwt_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _JWT.finditer(text) if _is_json_object(m.group().split(".", 1)[0])]


def _is_json_object(part: str) -> bool:
    """Whether a base64url part decodes to a JSON object (a JWT's header always does)."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(part.rstrip("=") + "=" * (-len(part.rstrip("=")) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(decoded, dict)


# A token may follow "_" or "-" (call_ghp_..., ticket-AIza...): the patterns only refuse to start inside a word.

# What every match of a pattern contains (a substring test is far cheaper than the pattern's search): one of the
# literal prefixes of an AWS key id or a GitHub token, and for IPv4 four dot-separated runs of 1-3 digits.
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA")
_GITHUB_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_OTHER_PREFIXES = ("glpat-", "npm_", "pypi-AgEI", "SG.")
# Something every secret kind's match holds: one search for all of them lets the 99.7% of real texts that hold none
# skip every secret finder (measured on 49,684 texts of the real sets: 164 hits, ~3 us a text; see docs/clean.md).
_SECRET_HINT = re.compile(
    r"AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|sk-|glpat-|npm_|pypi-|SG\.|ecret|ECRET|eyJ|xox|hooks\.slack"
    r"|k_live_|k_test_|AIza|-----BEGIN"
)
_STRIPE_PREFIXES = ("k_live_", "k_test_")
_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")


def _has_any(text: str, needles: tuple[str, ...]) -> bool:
    return any(needle in text for needle in needles)


# (kind, group, finder, worth trying): in the order they are applied. "Worth trying" is a cheap test on the text and
# its number of digits that lets most texts skip the finder's regex altogether.
_FINDERS: tuple[tuple[str, str, Finder, Callable[[str, int], bool]], ...] = (
    ("private_key", "secret", _spans(_PRIVATE_KEY), lambda text, digits: "-----BEGIN" in text),
    ("aws_access_key", "secret", _spans(_AWS_ACCESS_KEY), lambda text, d: d >= 1 and _has_any(text, _AWS_PREFIXES)),
    ("github_token", "secret", _spans(_GITHUB_TOKEN), lambda t, d: _has_any(t, _GITHUB_PREFIXES)),
    ("api_key", "secret", _spans(_API_KEY), lambda text, digits: "sk-" in text),
    ("api_key", "secret", _spans(_OTHER_TOKEN), lambda text, digits: _has_any(text, _OTHER_PREFIXES)),
    ("aws_secret_key", "secret", _aws_secret_spans, lambda t, d: "ecret" in t or "ECRET" in t),
    ("jwt", "secret", _jwt_spans, lambda text, digits: "eyJ" in text),
    ("slack_token", "secret", _spans(_SLACK), lambda text, digits: "xox" in text or "hooks.slack.com" in text),
    ("stripe_key", "secret", _spans(_STRIPE), lambda text, digits: _has_any(text, _STRIPE_PREFIXES)),
    ("google_api_key", "secret", _spans(_GOOGLE_API_KEY), lambda text, digits: "AIza" in text),
    ("iban", "iban", iban_spans, lambda text, digits: digits >= 10 and bool(_IBAN_HINT.search(text))),
    ("email", "email", _spans(_EMAIL), lambda text, digits: "@" in text),
    ("ip_address", "ip_address", _ipv4_spans, lambda text, digits: digits >= 4 and bool(_IPV4_HINT.search(text))),
    ("ip_address", "ip_address", _ipv6_spans, lambda text, digits: "::" in text or text.count(":") >= 7),
    ("credit_card", "credit_card", _card_spans, lambda text, digits: digits >= 13),
    ("phone", "phone", _phone_spans, lambda text, digits: digits >= 8),
)
_DIGIT = re.compile(r"\d")


def redact_pii(
    text: str, types: Iterable[str] = PII_TYPES, examples: ExampleValues | None = None
) -> tuple[str, Counter[str]]:
    """``text`` with every finding replaced by its placeholder, and the number of findings per kind.

    With ``examples``, reserved and allowlisted values are left in place and not counted (see :func:`scan_pii`).
    """
    scan = scan_pii(text, types, examples)
    return scan.text, scan.found


class PiiScan(NamedTuple):
    """What :func:`scan_pii` did to one text."""

    text: str
    """The text with every finding replaced by its placeholder (example values left as written)."""
    found: Counter[str]
    """Findings redacted, per kind."""
    kept: Counter[str]
    """Example or allowlisted values left in place, per kind."""
    kept_values: tuple[str, ...] = ()
    """The reserved values kept (never allowlisted ones, which may be real), for the report."""


# Format characters that can sit inside a token without showing: zero-width space/joiners, word joiner and
# invisible operators, bidi marks and controls, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def scan_pii(text: str, types: Iterable[str] = PII_TYPES, examples: ExampleValues | None = None) -> PiiScan:
    """Find PII in ``text``: redact real findings, keep example values (when ``examples`` is given), count both.

    Invisible format characters do not hide a finding (``AKIA\u200cIOSF...``, a card number or an e-mail split by
    zero-width characters): a text holding some is also scanned without them, and when that finds more, that
    scan is the one returned (issue 13, item 14).
    """
    scan = _scan(text, types, examples)
    if _INVISIBLE.search(text):
        visible = _scan(_INVISIBLE.sub("", text), types, examples)
        if sum(visible.found.values()) > sum(scan.found.values()):
            return visible
    return scan


def pii_kinds(text: str, types: Iterable[str], examples: ExampleValues | None) -> tuple[str, ...]:
    """The kinds of PII :func:`scan_pii` redacts in ``text``, sorted. Short texts are memoised: a dataset has few
    distinct labels, and every record's label is checked."""
    if len(text) > 200:
        return tuple(sorted(scan_pii(text, types, examples).found))
    return _short_text_kinds(text, tuple(types), examples)


@functools.lru_cache(maxsize=4096)
def _short_text_kinds(text: str, types: tuple[str, ...], examples: ExampleValues | None) -> tuple[str, ...]:
    return tuple(sorted(scan_pii(text, types, examples).found))


def _scan(text: str, types: Iterable[str], examples: ExampleValues | None) -> PiiScan:
    enabled = set(types)
    found: Counter[str] = Counter()
    kept: Counter[str] = Counter()
    kept_spans: list[str] = []
    reserved: list[str] = []
    digits = _digit_count(text)
    if "secret" in enabled and not _SECRET_HINT.search(text):
        enabled.discard("secret")
    for kind, group, finder, worth_trying in _FINDERS:
        if group not in enabled or not worth_trying(text, digits):
            continue
        spans = finder(text)
        if not spans:
            continue
        redact, keep = spans, []
        if examples is not None:
            redact, keep = [], []
            for span in spans:
                why = examples.why_kept(kind, text[span[0] : span[1]])
                (redact if why is None else keep).append(span)
                if why == "reserved":
                    reserved.append(text[span[0] : span[1]])
        found[kind] += len(redact)
        kept[kind] += len(keep)
        # Kept values are swapped for a sentinel while later, looser finders run (a kept test card number must not
        # be half-read as a phone number), then restored.
        replacements = [(s, PLACEHOLDERS[group]) for s in redact]
        for span in keep:
            replacements.append((span, _sentinel(len(kept_spans))))
            kept_spans.append(text[span[0] : span[1]])
        text = _replace(text, replacements)
        digits = _digit_count(text)
    if kept_spans:
        text = _SENTINEL.sub(lambda m: kept_spans[ord(m.group(1)) - 0xF0000], text)
    return PiiScan(text, +found if found else found, +kept if kept else kept, tuple(reserved))


def _digit_count(text: str) -> int:
    """How many characters ``\\d`` matches; ASCII text counted in bytes (its only digits are 0-9)."""
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, b"0123456789"))
    return len(_DIGIT.findall(text))


_SENTINEL = re.compile("\ue000([\U000F0000-\U000FFFFD])")


def _sentinel(index: int) -> str:
    # Two private-use characters, no digit and no word character: no finder can match into or across them.
    return "\ue000" + chr(0xF0000 + index)


def _replace(text: str, replacements: list[tuple[tuple[int, int], str]]) -> str:
    pieces, last = [], 0
    for (start, end), replacement in sorted(replacements):
        pieces.append(text[last:start])
        pieces.append(replacement)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


HIDDEN_EVERYWHERE = ("secret", "iban")
"""The groups no output file may carry, wherever they sit: credentials and bank account numbers. Besides the
records' texts (the clean stage's ``pii`` rules), they are replaced in ids and input file names (always), in the
``raw`` content of ``rejected.jsonl``, the reports and the manifest (unless ``pii = "off"`` or the group is not in
``pii_types``)."""


def hide_secrets(text: str, types: Iterable[str] = HIDDEN_EVERYWHERE) -> str:
    """``text`` with every credential and IBAN (of ``types``) replaced by its placeholder; no example is kept."""
    if not text or not isinstance(text, str):
        return text
    hinted = ("secret" in types and _SECRET_HINT.search(text)) or ("iban" in types and _IBAN_HINT.search(text))
    if not hinted and not _INVISIBLE.search(text):
        return text  # ids, file names and most report strings: two quick searches, no scan
    return scan_pii(text, types).text


def hide_secrets_in(value: Any, types: Iterable[str] = HIDDEN_EVERYWHERE) -> Any:
    """:func:`hide_secrets` on every string of a JSON-like value (dict keys too), rebuilt only where one changed."""
    types = tuple(types)
    if not types:
        return value
    if isinstance(value, str):
        return hide_secrets(value, types)
    if isinstance(value, dict):
        pairs = [(hide_secrets_in(key, types), hide_secrets_in(item, types)) for key, item in value.items()]
        return value if all(a is k and b is v for (a, b), (k, v) in zip(pairs, value.items())) else dict(pairs)
    if isinstance(value, (list, tuple)):
        items = [hide_secrets_in(item, types) for item in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    return value
