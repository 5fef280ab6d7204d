"""Values reserved for examples and documentation, which no person owns, and the user's own allowlist.

The clean stage keeps these findings as written, counts them apart (``example values kept`` in the report) and
never redacts or rejects them (unless ``pii_keep_examples = false``):

- e-mail domains reserved by RFC 2606 / RFC 6761: ``example.com``, ``example.net``, ``example.org`` (and their
  subdomains), and the ``.test``, ``.example``, ``.invalid``, ``.localhost`` top-level domains;
- IP addresses for documentation: ``192.0.2.0/24``, ``198.51.100.0/24``, ``203.0.113.0/24`` (RFC 5737),
  ``2001:db8::/32`` (RFC 3849), ``3fff::/20`` (RFC 9637); and loopback/unspecified addresses (``127.0.0.0/8``,
  ``::1``, ``0.0.0.0``: RFC 6761's localhost, nobody's address); private and link-local networks (``10.0.0.0/8``,
  ``172.16.0.0/12``, ``192.168.0.0/16``, ``100.64.0.0/10``, ``169.254.0.0/16``, ``fc00::/7``, ``fe80::/10``): every
  home and office network reuses them, so one leads to no one;
- placeholder phone numbers: nine digits counting up (``+1234567890``, ``(123) 456-7891``), one digit seven times
  in a row (``000-000-0000``), or a NANP number in area code 555, which is not in service (``555-123-4567``);
- fictional phone numbers: NANP ``NXX-555-0100`` to ``NXX-555-0199``; Ofcom's drama ranges (``020 7946 0xxx``,
  ``0113-0161 496 0xxx``, ``0191 498 0xxx``, ``028 9649 6xxx``, ``029 2018 0xxx``, ``01632 960xxx``,
  ``07700 900xxx``, ``08081 570xxx``, ``0909 879 0xxx``, ``03069 990xxx``, also written ``+44 ...``);
- payment processors' published test card numbers (``4111 1111 1111 1111``, ``4242 4242 4242 4242``,
  ``5555 5555 5555 4444``, ``378282246310005``, ...);
- the user's own allowlist: exact values (case-insensitive; phone and card numbers compared by their digits),
  ``@domain`` for every address at a domain and its subdomains, and IP networks in CIDR form (``10.0.0.0/8``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606 section 3, with their subdomains
_RESERVED_TLDS = ("test", "example", "invalid", "localhost")  # RFC 2606 section 2, RFC 6761
_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737 TEST-NET-1/2/3
        "2001:db8::/32", "3fff::/20",  # RFC 3849, RFC 9637
        "127.0.0.0/8", "::1/128", "0.0.0.0/32", "::/128",  # loopback and unspecified: nobody's address
        # private and link-local networks (RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291): reused by every LAN,
        # they lead to no one on the internet
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10",
    )
)  # fmt: skip
# Ofcom's numbers for drama (TV, radio, film, books): 11-digit national numbers starting with these 8 digits.
_OFCOM_DRAMA_PREFIXES = frozenset(
    {
        "07700900",  # mobile 07700 900000-900999
        "02079460",  # London 020 7946 0000-0999
        "01134960", "01144960", "01154960", "01164960", "01174960", "01184960",  # Leeds .. Reading
        "01214960", "01314960", "01414960", "01514960", "01614960",  # Birmingham .. Manchester
        "01914980",  # Tyneside 0191 498 0000-0999
        "02896496",  # Northern Ireland 028 9649 6000-6999
        "02920180",  # Cardiff 029 2018 0000-0999
        "01632960",  # no area 01632 960000-960999
        "08081570", "09098790", "03069990",  # freephone, premium rate, UK-wide
    }
)  # fmt: skip
# Published test card numbers of payment processors (Stripe, PayPal/Braintree, Adyen docs): never a real card.
TEST_CARD_NUMBERS = frozenset(
    {
        "4111111111111111", "4012888888881881", "4222222222222", "4242424242424242", "4000056655665556",
        "4000000000000002", "4000000000009995", "4012000077777777", "5555555555554444", "5105105105105100",
        "5200828282828210", "2223003122003222", "2221000000000009", "378282246310005", "371449635398431",
        "378734493671000", "6011111111111117", "6011000990139424", "6011000400000000", "30569309025904",
        "38520000023237", "3530111333300000", "3566002020360505", "6200000000000005", "6250941006528599",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ExampleValues:
    """Which findings are not personal data: reserved documentation values (``reserved``) and the user's own.

    Usage::

        ExampleValues()                                   # reserved values only
        ExampleValues(allowlist=("@mycompany.com", "10.0.0.0/8", "+1 415 555 2671"))
        ExampleValues(reserved=False, allowlist=(...))    # only the user's own
    """

    reserved: bool = True
    allowlist: tuple[str, ...] = ()
    _values: frozenset[str] = field(init=False, repr=False, compare=False)
    _domains: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _networks: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        values, domains, networks = set(), [], []
        for entry in self.allowlist:
            entry = entry.strip()
            if entry.startswith("@"):
                domains.append(entry[1:].casefold())
                continue
            if "/" in entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                    continue
                except ValueError:
                    pass
            values.add(entry.casefold())
            digits = re.sub(r"\D", "", entry)
            if len(digits) >= 7 and not re.search(r"[A-Za-z@]", entry):
                values.add(digits)  # phone and card numbers match whatever their grouping
                values.add(digits[-10:])
        object.__setattr__(self, "_values", frozenset(values))
        object.__setattr__(self, "_domains", tuple(domains))
        object.__setattr__(self, "_networks", tuple(networks))

    def why_kept(self, kind: str, value: str) -> str | None:
        """``"reserved"``, ``"allowlist"`` or ``None`` (a finding to redact) for one value of one kind."""
        if self.reserved and is_reserved(kind, value):
            return "reserved"
        if self.allowlist and self._allowed(kind, value):
            return "allowlist"
        return None

    def _allowed(self, kind: str, value: str) -> bool:
        if value.casefold() in self._values:
            return True
        if kind in ("phone", "credit_card"):
            digits = re.sub(r"\D", "", value)
            # +1 415 555 2671 and (415) 555-2671 are one number: phones compare on their last 10 digits.
            if digits in self._values or (kind == "phone" and len(digits) >= 10 and digits[-10:] in self._values):
                return True
        if kind == "email":
            domain = value.rsplit("@", 1)[-1].casefold()
            return any(domain == d or domain.endswith("." + d) for d in self._domains)
        if kind == "ip_address" and self._networks:
            address = _ip(value)
            return address is not None and any(address in net for net in self._networks if net.version == address.version)
        return False


def is_reserved(kind: str, value: str) -> bool:
    """Whether a finding of ``kind`` is a value reserved for examples and documentation (never a person's)."""
    if kind == "email":
        domain = value.rsplit("@", 1)[-1].casefold().rstrip(".")
        return domain.endswith(_RESERVED_TLDS_DOTTED) or any(
            domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS
        ) or domain in _RESERVED_TLDS
    if kind == "ip_address":
        address = _ip(value)
        return address is not None and any(
            address in net for net in _DOCUMENTATION_NETWORKS if net.version == address.version
        )
    if kind == "phone":
        return _fictional_phone(re.sub(r"\D", "", value), value.lstrip().startswith("+"))
    if kind == "credit_card":
        return re.sub(r"\D", "", value) in TEST_CARD_NUMBERS
    return False  # secrets: an example-looking key is still not worth the risk


# Nine digits counting up (a run that wraps, 789012345, included) or one digit seven times: a made-up number.
_PLACEHOLDER_DIGITS = re.compile("|".join(("0123456789" * 2)[i : i + 9] for i in range(10)) + r"|(\d)\1{6}")
_RESERVED_TLDS_DOTTED = tuple("." + tld for tld in _RESERVED_TLDS)


def _ip(value: str):
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _fictional_phone(digits: str, international: bool) -> bool:
    # NANP: [1] NPA 555 01XX, the numbers the North American Numbering Plan reserves for fiction.
    nanp = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if len(nanp) == 10 and nanp[3:6] == "555" and nanp[6:8] == "01":
        return True
    # Made up: nine digits counting up (+1234567890, (123) 456-7891), one digit seven times, or a NANP number in
    # area code 555, which is not in service ((555) 123-4567).
    if _PLACEHOLDER_DIGITS.search(digits) or (len(nanp) == 10 and nanp[:3] == "555"):
        return True
    # UK: +44 20 7946 0958 and 020 7946 0958 are the same number.
    national = "0" + digits[2:] if international and digits.startswith("44") else digits
    return len(national) == 11 and national[:8] in _OFCOM_DRAMA_PREFIXES
