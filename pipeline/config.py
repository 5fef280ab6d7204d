"""Typed configuration, loaded once from TOML and command-line overrides.

Every option lives in one section of the config file; each section is a frozen dataclass with defaults that work
without any config, and a stage receives only its own section::

    [input]
    task = "classification"
    text_field = "utterance"

    [split]
    ratios = [0.8, 0.1, 0.1]
    seed = 42

Unknown sections or keys, and values of the wrong type, are a :class:`ConfigError` that names the key and lists
the valid ones.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.core.errors import ConfigError

TaskName = Literal["auto", "classification", "completion", "chat"]
InputFormat = Literal["jsonl", "json", "csv", "tsv", "parquet"]


@dataclass(frozen=True)
class InputConfig:
    """How inputs are read and mapped onto canonical records.

    Field options name the input column for a canonical field; left unset, it is detected from common aliases.
    """

    task: TaskName = "auto"
    format: InputFormat | None = None
    text_field: str | None = None
    label_field: str | None = None
    prompt_field: str | None = None
    completion_field: str | None = None
    messages_field: str | None = None
    id_field: str | None = None


SPLITS = ("train", "val", "test")
"""The split names, in the order of ``SplitConfig.ratios``."""


@dataclass(frozen=True)
class SplitConfig:
    """Train/val/test ratios and the seed that makes the assignment reproducible."""

    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 42

    def __post_init__(self) -> None:
        if len(self.ratios) != 3 or any(r < 0 for r in self.ratios):
            raise ConfigError(f"split ratios must be three non-negative numbers (train,val,test), got {self.ratios}")
        if abs(sum(self.ratios) - 1.0) > 1e-6:
            raise ConfigError(f"split ratios must add up to 1, got {self.ratios} (sum {sum(self.ratios):g})")
        if self.ratios[0] <= 0:
            raise ConfigError("the train ratio must be above 0")
        _check_seed("split", self.seed)


MAX_SEED = 2**32 - 1  # NumPy's and langdetect's generators take seeds in 0..2**32-1


def _check_seed(section: str, seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"[{section}] seed must be a whole number from 0 to {MAX_SEED}, got {seed}")


@dataclass(frozen=True)
class CleanConfig:
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
        language_detection: ``auto`` detects every record when ``languages`` is set and a seeded sample of
            ``language_sample_size`` records otherwise; ``all``, ``sample`` and ``off`` force one way.
        language_prefix_chars: detect on this many leading characters (speed; the start says enough).
        language_min_letters: fewer letters than this is ``und``, which is never rejected for language.
        seed: seeds langdetect and the language sample.
        num_proc: worker processes for cleaning and language detection; ``None`` uses every core for 20,000
            records or more and one below.
        pii_types: which of email, phone, credit_card, ip_address, secret to look for.
        quality_min_chars: quality ratios are judged only on texts at least this long.
    """

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
    language_backend: Literal["langdetect", "lingua"] = "langdetect"
    language_detection: Literal["auto", "all", "sample", "off"] = "auto"
    language_sample_size: int = 1000
    language_prefix_chars: int = 200
    language_min_letters: int = 20
    seed: int = 42
    num_proc: int | None = None

    pii: Literal["redact", "reject", "off"] = "redact"
    pii_types: tuple[str, ...] = ("email", "phone", "credit_card", "ip_address", "secret")

    quality_min_chars: int = 50
    min_alnum_ratio: float | None = 0.25
    max_caps_ratio: float | None = None
    max_char_run: int | None = 30
    max_dup_line_fraction: float | None = 0.3
    max_dup_ngram_fraction: float | None = 0.4
    reject_url_only: bool = True

    def __post_init__(self) -> None:
        _check_clean(self)
        _check_seed("clean", self.seed)


def _check_clean(cfg: CleanConfig) -> None:
    """Reject option values a run could only fail on later, naming the option and what is valid."""
    import ftfy

    from pipeline.clean.language import supported_languages
    from pipeline.clean.pii import PII_TYPES

    unknown_ftfy = sorted(set(cfg.ftfy_options) - set(ftfy.TextFixerConfig._fields))
    if unknown_ftfy:
        raise ConfigError(f"[clean] ftfy_options: unknown option(s) {', '.join(unknown_ftfy)}")
    unknown_pii = sorted(set(cfg.pii_types) - set(PII_TYPES))
    if unknown_pii:
        raise ConfigError(f"[clean] pii_types: unknown {', '.join(unknown_pii)} (valid: {', '.join(PII_TYPES)})")
    supported = supported_languages(cfg.language_backend) if cfg.languages else frozenset()
    unsupported = sorted(set(cfg.languages) - supported)
    if unsupported:
        raise ConfigError(
            f"[clean] languages: {', '.join(unsupported)} not ISO 639-1 codes that {cfg.language_backend} knows "
            f"(valid: {', '.join(sorted(supported))})"
        )
    for name in ("min_chars", "max_chars", "min_tokens", "max_tokens", "max_char_run", "num_proc"):
        value = getattr(cfg, name)
        if value is not None and value < 0:
            raise ConfigError(f"[clean] {name} must not be negative, got {value}")
    if cfg.languages and cfg.language_detection in ("sample", "off"):
        raise ConfigError(
            f"[clean] a language filter needs every record detected: language_detection = "
            f"'{cfg.language_detection}' cannot be combined with languages = {list(cfg.languages)}"
        )
    if cfg.language_sample_size < 1 or cfg.language_prefix_chars < 1:
        raise ConfigError("[clean] language_sample_size and language_prefix_chars must be at least 1")


@dataclass(frozen=True)
class DedupConfig:
    """Options of the dedup stage (exact and near duplicates, label conflicts, decontamination).

    Usage::

        [dedup]
        threshold = 0.8          # Jaccard of shingle sets at or above which two records are near duplicates
        keep = "longest"
        label_conflicts = "majority"
        decontaminate = ["eval/test.jsonl"]

    Args:
        enabled: False turns the whole stage off (records pass through; leakage is then not guaranteed).
        near: False keeps exact deduplication only.
        num_perm: MinHash permutations (signature length).
        threshold: Jaccard similarity of shingle sets at or above which two records are near duplicates; every
            LSH candidate is verified against it exactly.
        shingle: ``word`` n-grams, ``char`` n-grams, or ``auto``: char n-grams when the dataset's median record
            has fewer than ``auto_min_words`` words or is written without spaces, word n-grams otherwise.
        lsh_recall: LSH banding is chosen so that a pair exactly at ``threshold`` becomes a candidate with at
            least this probability (banding below the threshold; candidates are then verified).
        bands, rows: explicit LSH banding (both set) instead of the one derived from ``lsh_recall``.
        keep: which record of a cluster is kept: the ``first`` in input order or the ``longest``.
        label_conflicts: a cluster whose records carry different labels: ``drop`` rejects all of them,
            ``majority`` keeps the majority label (a tie drops), ``keep`` keeps one record per label.
        decontaminate: eval files; training records sharing a ``contamination_ngram``-word n-gram with, or near
            duplicating, one of their records are rejected as ``contaminated``.
        index_path: a directory holding kept signatures across runs (incremental dedup); created if missing and
            updated with this run's kept records.
        num_proc: processes computing signatures (used above ``parallel_min_rows`` rows).
        examples: how many example clusters the report shows.
    """

    enabled: bool = True
    near: bool = True
    num_perm: int = 128
    threshold: float = 0.8
    shingle: Literal["auto", "word", "char"] = "auto"
    word_ngram: int = 5
    char_ngram: int = 5
    auto_min_words: int = 30
    lsh_recall: float = 0.998
    bands: int | None = None
    rows: int | None = None
    seed: int = 1
    keep: Literal["first", "longest"] = "first"
    label_conflicts: Literal["drop", "majority", "keep"] = "drop"
    decontaminate: tuple[str, ...] = ()
    contamination_ngram: int = 13
    index_path: str | None = None
    num_proc: int = 1
    parallel_min_rows: int = 20_000
    batch_size: int = 1000
    examples: int = 5

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"dedup threshold must be in (0, 1], got {self.threshold}")
        if self.num_perm < 2:
            raise ConfigError(f"dedup num_perm must be at least 2, got {self.num_perm}")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("dedup bands and rows must be set together (or neither)")
        if self.bands is not None and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm):
            raise ConfigError(f"dedup bands x rows must be positive and at most num_perm ({self.num_perm})")
        if min(self.word_ngram, self.char_ngram, self.contamination_ngram, self.num_proc, self.batch_size) < 1:
            raise ConfigError("dedup n-gram sizes, num_proc and batch_size must be at least 1")
        _check_seed("dedup", self.seed)
        if not self.enabled and (self.decontaminate or self.index_path):
            raise ConfigError("[dedup] decontaminate and index_path (--decontaminate, --dedup-index) work in the "
                              "dedup stage: with enabled = false (--no-dedup) they would silently do nothing")


@dataclass(frozen=True)
class ValidateConfig:
    """Options of the validate stage (Great Expectations suites).

    The shipped suite of the task (``expectations/<task>.json``) always runs unless ``replace_default`` is set;
    ``suites`` adds the user's own GX 1.x suite files. The other options are the values that reach the suites
    as GX suite parameters (``{"$PARAMETER": "labels"}``); an expectation whose parameter is unset (None) is
    reported as skipped::

        [validate]
        suites = ["ci/strict.json"]
        labels = ["billing", "refund", "other"]
        languages = ["en"]

    Args:
        suites: extra suite files (GX 1.x ExpectationSuite JSON), run after the shipped one.
        replace_default: run only ``suites``, not the shipped suite of the task.
        labels: the allowed label set (parameter ``labels``); unset skips the label-set expectation.
        languages: allowed ISO 639-1 codes of the ``lang`` column (parameter ``languages``); unset skips it.
        min_chars, max_chars: bounds on text length in characters (per field; the whole conversation for chat).
        min_label_share, max_label_share: bounds on each label's share of all rows.
        min_messages, max_messages: bounds on the number of messages of a chat record.
        max_examples: unexpected values kept per expectation in the report.
    """

    suites: tuple[str, ...] = ()
    replace_default: bool = False
    labels: tuple[str, ...] | None = None
    languages: tuple[str, ...] | None = None
    min_chars: int = 1
    max_chars: int = 32_000
    min_label_share: float = 0.02
    max_label_share: float = 0.9
    min_messages: int = 2
    max_messages: int = 100
    max_examples: int = 5

    def __post_init__(self) -> None:
        for low, high in (("min_chars", "max_chars"), ("min_label_share", "max_label_share"),
                          ("min_messages", "max_messages")):
            if getattr(self, low) > getattr(self, high):
                raise ConfigError(f"[validate] {low} ({getattr(self, low)}) is above {high} ({getattr(self, high)})")
        if not 0 <= self.min_label_share <= self.max_label_share <= 1:
            raise ConfigError("[validate] label shares must be between 0 and 1")
        if self.max_examples < 0:
            raise ConfigError(f"[validate] max_examples must be 0 or more, got {self.max_examples}")


@dataclass(frozen=True)
class ReadinessConfig:
    """Thresholds of the readiness checks that decide the verdict (sources of the defaults: docs/readiness.md).

    Args:
        min_examples: fewer kept examples than this fails (chat fine-tuning APIs refuse fewer than 10).
        recommended_examples: fewer than this warns (the same APIs recommend 50-100 or more).
        min_per_label: a label with fewer examples than this fails (it cannot be learnt or measured).
        recommended_per_label: a label with fewer examples than this warns (~100 per class is the usual guidance).
        max_imbalance_ratio: largest / smallest label count above this warns.
        min_share_of_even: a label holding less than this fraction of an even share (1 / number of labels) warns;
            0.2 flags a binary minority under 10% and, with 77 labels, a label under 0.26% of the data.
        max_eval_half_width: 95% CI half-width of an accuracy measured on the test split above this warns.
        max_label_eval_half_width: the same for one label's recall on its test examples.
        max_reject_rate: a larger share of input rows rejected warns; twice as large fails.
        max_duplicate_rate: a larger share of kept records that repeat an earlier record's cluster warns.
        max_label_conflicts: more groups of identical texts with different labels than this warns.
        max_pii_findings: more PII findings (redacted or not) than this warns.
        allowed_languages: ISO 639-1 codes the data should be in; empty: judge against the dominant language.
        max_off_language_share: a larger share of records outside the allowed (or dominant) languages warns.
        max_seq_tokens: examples longer than this would be truncated in training.
        max_truncated_share: a larger share of examples over ``max_seq_tokens`` warns.
        epochs: training epochs, to show the training-token cost (tokens in train x epochs).
        max_expected_gain_2x: an expected macro-F1 gain from doubling the data above this warns (more data helps).
        max_label_noise_rate: a larger estimated share of mislabeled examples warns.
        max_suspects: most suspects listed in the report and in ``suspect_labels.jsonl``.
        noise_folds: cross-validation folds of the out-of-fold probabilities.
        max_analysis_examples: learning curve, label noise and diversity sample this many records above it, so
            their cost stays bounded however large the data is.
        max_cluster_share: a larger near-duplicate cluster share warns (diversity).
        min_distinct_2: distinct bigram ratio of the responses below this warns (diversity).
        max_template_share: a larger share of prompts following one repeated prefix/suffix template warns.
        min_novelty: Good-Turing novelty of response n-grams below this warns (more data adds little new).
        fail_on: ``fail`` (default) lets warnings pass the gate; ``warn`` makes them fail it too.
    """

    min_examples: int = 10
    recommended_examples: int = 100
    min_per_label: int = 10
    recommended_per_label: int = 100
    max_imbalance_ratio: float = 100.0
    min_share_of_even: float = 0.2
    max_eval_half_width: float = 0.05
    max_label_eval_half_width: float = 0.2
    max_reject_rate: float = 0.2
    max_duplicate_rate: float = 0.01
    max_label_conflicts: int = 0
    max_pii_findings: int = 0
    allowed_languages: tuple[str, ...] = ()
    max_off_language_share: float = 0.05
    max_seq_tokens: int = 4096
    max_truncated_share: float = 0.0
    epochs: int = 3
    max_expected_gain_2x: float = 0.02
    max_label_noise_rate: float = 0.05
    max_suspects: int = 100
    noise_folds: int = 5
    max_analysis_examples: int = 12_000
    max_cluster_share: float = 0.1
    min_distinct_2: float = 0.2
    max_template_share: float = 0.5
    min_novelty: float = 0.1
    fail_on: Literal["fail", "warn"] = "fail"


@dataclass(frozen=True)
class Config:
    """The whole resolved configuration of one run."""

    input: InputConfig = field(default_factory=InputConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    readiness: ReadinessConfig = field(default_factory=ReadinessConfig)

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data (for the manifest)."""
        return _plain(dataclasses.asdict(self))


def load_config(path: str | Path | None = None, overrides: dict[str, dict[str, Any]] | None = None) -> Config:
    """Read a TOML config (optional), apply command-line overrides on top, and check every key and value."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    where = str(path) if path else "config"
    sections = {f.name: f for f in dataclasses.fields(Config)}
    built = {}
    for name, values in data.items():
        if name not in sections:
            raise ConfigError(f"{where}: unknown section [{name}] (valid: {', '.join(sections)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: [{name}] must be a table of options, got {values!r}")
        built[name] = _build_section(sections[name].default_factory, values, f"{where}: [{name}]")
    return Config(**built)


def _build_section(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    valid = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown key '{key}' (valid: {', '.join(valid) or 'none yet'})")
        kwargs[key] = _coerce(value, hints[key], f"{where} {key}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a type hint, converting lists to tuples where the hint asks for a tuple."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{where}: expected one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item_hints = args if origin is tuple and Ellipsis not in args else (args[0],) * len(value) if args else ()
        if origin is tuple and Ellipsis not in args and len(value) != len(args):
            raise ConfigError(f"{where}: expected {len(args)} values, got {len(value)}")
        items = [_coerce(v, h, where) for v, h in zip(value, item_hints)] if item_hints else list(value)
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        key_hint, value_hint = args or (Any, Any)
        return {_coerce(k, key_hint, where): _coerce(v, value_hint, where) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool) or not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
