"""The PII finders' cheap prefilters skip only texts their regexes cannot match: scans with them equal scans with
the prefilters they replaced (differential, on real texts and on every kind of finding and look-alike)."""

from __future__ import annotations

import re

from pipeline.clean import pii
from pipeline.clean.pii_examples import ExampleValues
from tests.clean.real_texts import real_texts
from tests.clean.test_pii import TRUE_POSITIVES

# The prefilters as they were before (a finder's own rules included: an AWS key id with no digit in the text is
# not looked for), and the digit count by regex.
_PLAIN = {
    "aws_access_key": lambda text, digits: digits >= 1 and "A" in text,
    "github_token": lambda text, digits: True,  # the old "gh" test missed github_pat_ tokens: compare to none
}
_PLAIN_IPV4 = lambda text, digits: digits >= 4 and text.count(".") >= 3  # noqa: E731
_DIGIT = re.compile(r"\d")

SYNTHETIC = [
    *(case[0] for case in TRUE_POSITIVES),
    "AKIAABCDEFGHIJKLMNOP has no digit", "ASIA0123456789ABCDEF", "xAKIA0123456789ABCDEF", "ACCA0123456789ABCDE",
    "ghp_short", "gho_" + "a1" * 18, "ghx_" + "a1" * 18, "GHP_" + "A1" * 18, "github_pat_" + "x" * 22, "gh " * 3,
    "1.2.3.4", "v1.2.3.4", "1.2.3.4.5", "999.1.1.1", "10.0.0.256", "1.1.1", "1.22.333.4444", "a.b.c.d 1 2 3 4",
    "١٢٣.٤٥.٦٧.٨٩ and ١٢٣٤٥٦٧٨٩٠١٢", "ｔｅｌ ０３０ １２３４５６７８", "4111\u200b1111 1111 1111", "mail a\u200b@b.com",
]  # fmt: skip


def _scan_all(texts, examples):
    return [pii.scan_pii(text, pii.PII_TYPES, examples) for text in texts]


def test_prefilters_change_no_scan(monkeypatch):
    texts = [*real_texts(), *SYNTHETIC, *(f"Hello, {s}. Regards" for s in SYNTHETIC)]
    policies = [None, ExampleValues()]
    fast = [_scan_all(texts, examples) for examples in policies]
    plain_finders = []
    for kind, group, finder, worth in pii._FINDERS:
        if finder is pii._ipv4_spans:
            worth = _PLAIN_IPV4
        plain_finders.append((kind, group, finder, _PLAIN.get(kind, worth)))
    monkeypatch.setattr(pii, "_FINDERS", tuple(plain_finders))
    monkeypatch.setattr(pii, "_SECRET_HINT", re.compile(""))  # the one search gating every secret finder
    monkeypatch.setattr(pii, "_digit_count", lambda text: len(_DIGIT.findall(text)))
    plain = [_scan_all(texts, examples) for examples in policies]
    assert fast == plain
    assert sum(bool(scan.found) for scan in plain[0]) > 100  # findings of every kind are compared, not just misses


def test_digit_count_equals_the_regex_count():
    texts = [*real_texts(), "٣ ٤ 5 ６ 七", "".join(map(chr, range(0x3000)))]
    assert [pii._digit_count(text) for text in texts] == [len(_DIGIT.findall(text)) for text in texts]


def test_pii_kinds_of_labels_are_the_scan_s_kinds_memoised_or_not():
    """Labels (short texts, memoised) and long texts give the kinds scan_pii redacts, on repeated calls too."""
    texts = [*SYNTHETIC, "spam", "ham", "john@example.org", "a@b.co " * 40, *real_texts()[:300]]
    for examples in (None, ExampleValues()):
        for _ in range(2):
            assert [pii.pii_kinds(text, list(pii.PII_TYPES), examples) for text in texts] == [
                tuple(sorted(pii.scan_pii(text, pii.PII_TYPES, examples).found)) for text in texts
            ]
