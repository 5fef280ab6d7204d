"""The ``[clean]`` config section: text repair, normalisation, filters, language and PII."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipeline.core.section import Section


@dataclass(frozen=True)
class CleanConfig(Section):
    """Options of the clean stage (text repair, normalisation, filters, language, PII).

    Every ``None`` threshold switches its filter off. Usage::

        [clean]
        languages = ["en", "de"]
        language_backend = "lingua"
        max_tokens = 4096
        pii = "reject"

    Args:
        ftfy_options: ``ftfy.TextFixerConfig`` fields to override, e.g. ``{uncurl_quotes = false}``.
        unicode_form: ``NFC`` keeps text as typed; ``NFKC`` also folds compatibility forms (fullwidth letters,
            ligatures, superscripts); ``none`` leaves it.
        collapse_spaces: collapse runs of spaces inside a line to one (indentation at line start is kept).
        label_map: replaces a trimmed label by another, e.g. ``{"Spam" = "spam"}``, before ``label_casefold``.
        min_chars, max_chars, min_tokens, max_tokens: bounds on a record's trainable content (classification
            ``text``; completion ``prompt`` + ``completion``; chat every message's ``content``).
        tokenizer: the encoding ``n_tokens`` is counted with; ``estimate`` is ceil(UTF-8 bytes / 4).
        languages: ISO 639-1 codes to keep (``wrong_language`` for others); empty keeps all and reports the mix.
        language_backend: the detector of texts of ``language_min_letters`` or more; ``auto`` (see
            :meth:`detector`) is lingua when every record is detected and langdetect for a sample.
        language_detection: ``auto`` detects every record when ``languages`` is set and a seeded sample of
            ``language_sample_size`` records otherwise; ``all``, ``sample`` and ``off`` force one way.
        language_prefix_chars: detect on this many leading characters (speed; the start says enough).
        language_min_letters: texts with at least this many letters are judged by ``language_backend``; shorter
            ones (from 5 letters) by lingua, which is built for short text; fewer than 5 letters is ``und``.
        language_und: what a language filter does with ``und`` (too short or no letters to name the language):
            ``auto`` rejects it when its script excludes every allowed language (a short Cyrillic text under
            ``en``) and keeps it otherwise; ``keep`` and ``reject`` force it.
        num_proc: worker processes for cleaning and language detection; ``None`` uses every core for 20,000
            records or more and one below.
        pii_types: which of email, phone, credit_card, ip_address, secret, iban to look for.
        pii_keep_examples: keep values reserved for examples and documentation (example.com, 192.0.2.x,
            555-0100..0199, Ofcom drama numbers, test card numbers; ``pipeline.clean.pii_examples``) as written:
            not counted as PII, not redacted, listed in the report as example values kept.
        pii_allowlist: the user's own values to keep: exact values, ``@domain`` (with subdomains), CIDR networks.
        quality_min_chars: quality ratios are judged only on texts at least this long.
        reject_truncated, reject_echo, reject_refusal, reject_language_mismatch: the response rules of
            fine-tuning records (``pipeline.clean.responses``); ``false`` switches one off.
        refusal_max_bytes: a refusal is only rejected when the response is at most this many UTF-8 bytes (a
            disclaimer followed by the answer does the task); ``None`` rejects every AI-disclaimer refusal.
    """

    name = "clean"

    ftfy: bool = True
    ftfy_options: dict[str, bool] = field(default_factory=dict)
    unicode_form: Literal["NFC", "NFKC", "none"] = "NFC"
    strip_html: bool = False
    collapse_spaces: bool = True

    label_casefold: bool = False
    label_map: dict[str, str] = field(default_factory=dict)

    min_chars: int | None = 2
    max_chars: int | None = None
    min_tokens: int | None = None
    max_tokens: int | None = 16384
    tokenizer: Literal["o200k_base", "cl100k_base", "estimate"] = "o200k_base"

    languages: tuple[str, ...] = ()
    language_backend: Literal["auto", "lingua", "langdetect"] = "auto"
    language_detection: Literal["auto", "all", "sample", "off"] = "auto"
    language_sample_size: int = 1000
    language_prefix_chars: int = 200
    language_min_letters: int = 20
    language_und: Literal["auto", "keep", "reject"] = "auto"
    num_proc: int | None = None

    pii: Literal["redact", "reject", "off"] = "redact"
    pii_types: tuple[str, ...] = ("email", "phone", "credit_card", "ip_address", "secret", "iban")
    pii_keep_examples: bool = True
    pii_allowlist: tuple[str, ...] = ()

    def hidden_types(self) -> tuple[str, ...]:
        """The PII groups replaced in every output besides the records (``rejected.jsonl``'s ``raw``, the reports,
        the manifest): credentials and IBANs (``pipeline.clean.pii.HIDDEN_EVERYWHERE``) when looked for."""
        if self.pii == "off":
            return ()
        from pipeline.clean.pii import HIDDEN_EVERYWHERE

        return tuple(group for group in HIDDEN_EVERYWHERE if group in self.pii_types)

    quality_min_chars: int = 50
    min_alnum_ratio: float | None = 0.25
    max_caps_ratio: float | None = None
    max_char_run: int | None = 30
    max_dup_line_fraction: float | None = 0.3
    max_dup_ngram_fraction: float | None = 0.4
    reject_url_only: bool = True
    reject_truncated: bool = True
    reject_echo: bool = True
    reject_refusal: bool = True
    refusal_max_bytes: int | None = 400
    reject_language_mismatch: bool = True

    def detector(self) -> str:
        """The backend that judges long texts. ``auto``: lingua when every record is detected (a language filter,
        or ``language_detection = "all"``): ~0.3 ms a text against langdetect's ~2 ms, and the better filter
        (docs/clean.md). For the 1,000-record sample that measures the mix, langdetect: lingua's models take
        ~570 MB of memory loaded, langdetect's profiles ~30 MB, and on 1,000 texts the speed does not matter."""
        if self.language_backend != "auto":
            return self.language_backend
        every = self.language_detection == "all" or (self.language_detection == "auto" and bool(self.languages))
        return "lingua" if every else "langdetect"

    def problems(self) -> list[str]:
        """Option values a run could only fail on later, each naming the option and what is valid."""
        import ftfy  # only to list its options; clean imports it anyway

        from pipeline.clean.pii import PII_TYPES

        found = []
        unknown_ftfy = sorted(set(self.ftfy_options) - set(ftfy.TextFixerConfig._fields))
        if unknown_ftfy:
            found.append(f"ftfy_options: unknown option(s) {', '.join(unknown_ftfy)}")
        unknown_pii = sorted(set(self.pii_types) - set(PII_TYPES))
        if unknown_pii:
            found.append(f"pii_types: unknown {', '.join(unknown_pii)} (valid: {', '.join(PII_TYPES)})")
        supported = _supported_languages(self.detector()) if self.languages else frozenset()
        unsupported = sorted(set(self.languages) - supported)
        if unsupported:
            found.append(f"languages: {', '.join(unsupported)} not ISO 639-1 codes that {self.detector()} knows "
                         f"(valid: {', '.join(sorted(supported))})")
        for key in ("min_chars", "max_chars", "min_tokens", "max_tokens", "max_char_run", "num_proc", "refusal_max_bytes"):
            value = getattr(self, key)
            if value is not None and value < 0:
                found.append(f"{key} must not be negative, got {value}")
        if self.languages and self.language_detection in ("sample", "off"):
            found.append(f"a language filter needs every record detected: language_detection = "
                         f"'{self.language_detection}' cannot be combined with languages = {list(self.languages)}")
        empty = [i for i, entry in enumerate(self.pii_allowlist) if not entry.strip() or entry.strip() == "@"]
        if empty:
            found.append(f"pii_allowlist: entries must be values, '@domain' or CIDR networks; entry {empty[0] + 1} is empty")
        if self.language_sample_size < 1 or self.language_prefix_chars < 1:
            found.append("language_sample_size and language_prefix_chars must be at least 1")
        return found


def _supported_languages(backend: str) -> frozenset[str]:
    # pipeline.clean.language imports datasets (~1 s): only when a language filter is to be checked
    from pipeline.clean.language import supported_languages

    return supported_languages(backend)
