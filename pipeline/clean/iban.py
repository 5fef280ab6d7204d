"""IBANs: a candidate is one only with its country's length and a valid ISO 7064 mod-97 checksum, so account-like
numbers in real text (order ids, phone numbers) are not taken for one."""

from __future__ import annotations

import re

IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![a-z0-9])")


# ISO 13616 registry (SWIFT, release 99): the length of an IBAN in each country that issues them.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def iban_valid(iban: str) -> bool:
    """Whether a compact IBAN (no spaces) has its country's length and passes the mod-97 check (ISO 7064)."""
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def iban_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in IBAN_CANDIDATE.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2])
        if length is None:
            continue
        # The candidate may run on into the next word: keep the country's number of characters, which must end
        # where a word does.
        chars, end = 0, match.start()
        while end < match.end() and chars < length:
            chars += text[end] != " "
            end += 1
        if chars < length or (end < len(text) and text[end].isalnum()):
            continue
        if iban_valid(text[match.start() : end].replace(" ", "")):
            spans.append((match.start(), end))
    return spans
