"""The ``[readiness]`` config section: the thresholds of the checks that decide the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.core.section import Section


@dataclass(frozen=True)
class ReadinessConfig(Section):
    """Thresholds of the readiness checks that decide the verdict (sources of the defaults: docs/readiness.md).

    Args:
        min_examples: fewer kept examples than this fails (chat fine-tuning APIs refuse fewer than 10).
        recommended_examples: fewer than this warns (the same APIs recommend 50-100 or more).
        min_per_label: a label with fewer examples than this cannot be learnt or measured. The check fails when such
            labels are the task (see the two shares below, or fewer than two labels would be left without them) and
            warns on a thin tail of them (merge or drop them).
        fail_rare_example_share: ...fails when the labels under ``min_per_label`` hold more than this share of the
            examples;
        fail_rare_label_share: ...or are more than this share of the labels.
        recommended_per_label: labels with fewer examples than this warn when the baseline learns them clearly worse
            than the other labels (see ``small_label_f1_gap``), else they are reported as ``info``.
        small_label_f1_gap: labels under ``recommended_per_label`` warn when their mean F1 (learning curve, full
            train) is more than this below the other labels'; without a learning curve they always warn.
        max_imbalance_ratio: largest / smallest label count above this warns.
        min_share_of_even: a label holding less than this fraction of an even share (1 / number of labels) warns;
            0.2 flags a binary minority under 10% and, with 77 labels, a label under 0.26% of the data.
        max_eval_half_width: 95% CI half-width of an accuracy measured on the test split above this warns.
        max_rate_eval_half_width: completion and chat: 95% CI half-width of a pass rate or win rate above this
            warns (0.11: 80 test examples, the size of MT-Bench).
        max_label_eval_half_width: labels whose recall is known only to within more than this are named in the
            ``label_eval_power`` figure (status ``info``: it never changes the verdict).
        max_reject_rate: a larger share of input rows rejected warns; twice as large fails.
        max_duplicate_rate: a larger share of kept records that repeat an earlier record's cluster warns.
        max_label_conflicts: more groups of identical texts with different labels than this warns.
        max_pii_findings: more PII findings than this are reported (``info``)...
        max_pii_record_share: ...and warn when more than this share of the records held PII (or on any secret).
        allowed_languages: ISO 639-1 codes the data should be in; empty: judge against the dominant language.
        max_off_language_share: a larger share of records outside the allowed (or dominant) languages warns.
        min_language_share: a language detected in fewer than this share of the measured records is counted as
            detection noise, not as off-language data (short and informal texts are misread as many languages).
        max_seq_tokens: examples longer than this would be truncated in training.
        max_truncated_share: a larger share of examples over ``max_seq_tokens`` warns.
        epochs: training epochs, to show the training-token cost (tokens in train x epochs).
        max_expected_gain_2x: the learning curve warns (more data helps) when the lower end of the 95% interval of
            the expected macro-F1 gain from doubling the data is above this; ``info`` when only the estimate is.
        max_label_noise_rate: a larger estimated share of mislabeled examples warns.
        fail_label_noise_rate: a larger one fails (when the estimate can be trusted, see the next two).
        noise_min_per_label: with a median of fewer examples per label the baseline is too weak to trust the
            noise estimate: it never fails then, and warns only above ``fail_label_noise_rate``.
        noise_min_skill: the same when the baseline's balanced accuracy above chance is lower than this.
        noise_max_suspect_quality: the same when the baseline still gives the flagged rows' own labels more than this
            probability (median): it is unsure, not sure they are wrong.
        noise_confirm_below: a suspect is confirmed when a second, character-level baseline agrees: both give its
            label less than this probability and prefer the same other label.
        noise_min_agreement: with a smaller share of the suspects confirmed the two baselines disagree on what is
            wrong, so the flagged share says more about them than about the labels: the check then judges the
            confirmed share alone, and only warns.
        max_suspects: how many suspects report.md and report.html list (``suspect_labels.jsonl`` holds all).
        noise_folds: cross-validation folds of the out-of-fold probabilities.
        max_analysis_examples: learning curve, label noise and diversity sample this many records above it, so
            their cost stays bounded however large the data is.
        max_cluster_share: a larger near-duplicate cluster share warns (diversity).
        min_distinct_2: distinct bigram ratio of the responses below this warns (diversity).
        max_template_share: a larger share of prompts following one repeated prefix/suffix template warns.
        min_novelty: Good-Turing novelty of response n-grams below this warns (more data adds little new).
        max_top_response_share: the most repeated (near-identical) response taking a larger share of the
            responses (completions or assistant turns) warns; ``fail_top_response_share`` fails.
        max_repeated_response_share: a larger share of responses repeating another one (near-)identically warns;
            ``fail_repeated_response_share`` fails.
        min_leak_coverage: a label's name, or a first/last token, in at least this share of the label's texts...
        min_leak_precision: ...and at least this share of the texts holding it carrying the label is a leak.
        max_placeholder_share: a larger share of records with unfilled template markers warns;
            ``fail_placeholder_share`` fails.
        max_truncated_response_share: completion and chat content checks (calibration in docs/readiness.md): a
            larger share of responses cut off (kept and rejected) warns; ``fail_truncated_response_share`` fails.
        max_refusal_share: a larger share of refusals (AI disclaimers or apologies that decline, kept and rejected)
            warns; ``fail_refusal_share`` fails.
        max_fragment_share: a larger share of records answering in a fragment of 6 words or fewer warns;
            ``fail_fragment_share`` fails.
        max_scrambled_share: a larger share of records whose response reads as shuffled words warns.
        max_format_artifact_share: a larger share of records holding prompt-format markers warns;
            ``fail_format_artifact_share`` fails.
        max_swapped_role_share: a larger share of chats whose user and assistant look exchanged warns;
            ``fail_swapped_role_share`` fails.
        max_conflicting_share: a larger share of records repeating a prompt with a materially different answer
            warns; ``fail_conflicting_share`` fails.
        max_prompt_leakage_share: a larger share of val/test records whose prompt is in train warns;
            ``fail_prompt_leakage_share`` fails (the evaluation then measures recall more than anything).
        max_reject_reason_share: any single reject reason taking a larger share of the input rows warns.
        shortcut_min_skill: text length, casing/punctuation or language alone predicting the label with a skill
            above this (balanced accuracy above chance, out of fold) warns (``label_shortcuts``).
        shortcut_max_style_share: the label explaining more than this share of a casing/punctuation feature's
            variance (eta squared: each label written its own way) warns too.
        preference_near_identical: preference pairs whose sides have at least this character similarity are
            near-identical (identical when equal after folding case and whitespace).
        max_identical_pair_share: a larger share of identical or near-identical pairs warns.
        max_chosen_longer_share: the chosen answer the longer one in a larger share of the pairs warns (a length
            bias), once ``min_length_bias_pairs`` pairs differ in length and the share's 95% interval lies above
            one half.
        max_contradiction_pairs: more pairs with a mirror pair (A over B and B over A for one prompt) warns.
        preference_max_pairs_per_prompt: a prompt (with its near duplicates) in more pairs than this is repeated...
        max_repeated_prompt_share: ...and a larger share of the pairs in repeated prompts warns.
        refusal_asymmetry_info_share: one side refusing where the other answers, in more than this share of the
            pairs, is reported (``info``); ``refusal_asymmetry_warn_share`` warns.
        fail_on: ``fail`` (default) lets warnings pass the gate; ``warn`` makes them fail it too.
    """

    name = "readiness"

    min_examples: int = 10
    recommended_examples: int = 100
    min_per_label: int = 10
    fail_rare_example_share: float = 0.05
    fail_rare_label_share: float = 0.5
    recommended_per_label: int = 100
    small_label_f1_gap: float = 0.10
    max_imbalance_ratio: float = 100.0
    min_share_of_even: float = 0.2
    max_eval_half_width: float = 0.05
    max_rate_eval_half_width: float = 0.11
    max_label_eval_half_width: float = 0.2
    max_reject_rate: float = 0.2
    max_duplicate_rate: float = 0.01
    max_label_conflicts: int = 0
    max_pii_findings: int = 0
    max_pii_record_share: float = 0.01
    allowed_languages: tuple[str, ...] = ()
    max_off_language_share: float = 0.05
    min_language_share: float = 0.01
    max_seq_tokens: int = 4096
    max_truncated_share: float = 0.0
    epochs: int = 3
    max_expected_gain_2x: float = 0.02
    max_label_noise_rate: float = 0.05
    fail_label_noise_rate: float = 0.15
    noise_min_per_label: int = 50
    noise_min_skill: float = 0.35
    noise_max_suspect_quality: float = 0.1
    noise_confirm_below: float = 0.1
    noise_min_agreement: float = 0.5
    max_suspects: int = 20
    noise_folds: int = 5
    max_analysis_examples: int = 12_000
    max_cluster_share: float = 0.1
    min_distinct_2: float = 0.2
    max_template_share: float = 0.5
    min_novelty: float = 0.1
    max_top_response_share: float = 0.2
    fail_top_response_share: float = 0.5
    max_repeated_response_share: float = 0.3
    fail_repeated_response_share: float = 0.7
    min_leak_coverage: float = 0.85
    min_leak_precision: float = 0.98
    max_placeholder_share: float = 0.01
    fail_placeholder_share: float = 0.2
    # content checks of completion and chat data (pipeline/readiness/content_checks.py)
    max_truncated_response_share: float = 0.05
    fail_truncated_response_share: float = 0.2
    max_refusal_share: float = 0.03
    fail_refusal_share: float = 0.2
    max_fragment_share: float = 0.03
    fail_fragment_share: float = 0.1
    max_scrambled_share: float = 0.02
    max_format_artifact_share: float = 0.01
    fail_format_artifact_share: float = 0.1
    max_swapped_role_share: float = 0.03
    fail_swapped_role_share: float = 0.15
    max_conflicting_share: float = 0.05
    fail_conflicting_share: float = 0.3
    max_prompt_leakage_share: float = 0.02
    fail_prompt_leakage_share: float = 0.5
    max_reject_reason_share: float = 0.1
    # label_shortcuts (classification)
    shortcut_min_skill: float = 0.85
    shortcut_max_style_share: float = 0.5
    preference_near_identical: float = 0.9
    max_identical_pair_share: float = 0.02
    max_chosen_longer_share: float = 0.7
    min_length_bias_pairs: int = 50
    max_contradiction_pairs: int = 0
    preference_max_pairs_per_prompt: int = 16
    max_repeated_prompt_share: float = 0.05
    refusal_asymmetry_info_share: float = 0.1
    refusal_asymmetry_warn_share: float = 0.5
    fail_on: Literal["fail", "warn"] = "fail"

    def problems(self) -> list[str]:
        found = []
        if self.noise_folds < 2:
            found.append(f"noise_folds must be at least 2 (cross-validation needs two folds), got {self.noise_folds}")
        for key in ("min_examples", "min_per_label", "max_analysis_examples", "epochs", "max_suspects"):
            if getattr(self, key) < 0:
                found.append(f"{key} must not be negative, got {getattr(self, key)}")
        found += _share_problems(self, ("max_label_noise_rate", "fail_label_noise_rate"),
                                  ("max_top_response_share", "fail_top_response_share"),
                                  ("max_repeated_response_share", "fail_repeated_response_share"),
                                  ("max_placeholder_share", "fail_placeholder_share"))
        found += _share_problems(self, *_CONTENT_PAIRS, shares=_CONTENT_SHARES)
        return found


_SHARES = ("fail_rare_example_share", "fail_rare_label_share", "max_label_noise_rate", "fail_label_noise_rate",
           "noise_min_skill", "noise_max_suspect_quality", "noise_confirm_below", "noise_min_agreement",
           "max_top_response_share",
           "fail_top_response_share", "max_repeated_response_share", "fail_repeated_response_share",
           "min_leak_coverage", "min_leak_precision", "max_placeholder_share", "fail_placeholder_share",
           "max_pii_record_share", "shortcut_min_skill", "shortcut_max_style_share", "preference_near_identical",
           "max_identical_pair_share", "max_chosen_longer_share", "max_repeated_prompt_share",
           "refusal_asymmetry_info_share", "refusal_asymmetry_warn_share")


_CONTENT_PAIRS = (("max_truncated_response_share", "fail_truncated_response_share"),
                  ("max_refusal_share", "fail_refusal_share"),
                  ("max_fragment_share", "fail_fragment_share"),
                  ("max_format_artifact_share", "fail_format_artifact_share"),
                  ("max_swapped_role_share", "fail_swapped_role_share"),
                  ("max_conflicting_share", "fail_conflicting_share"),
                  ("max_prompt_leakage_share", "fail_prompt_leakage_share"))
_CONTENT_SHARES = (*(key for pair in _CONTENT_PAIRS for key in pair), "max_scrambled_share",
                   "max_reject_reason_share")


def _share_problems(cfg: ReadinessConfig, *pairs: tuple[str, str], shares: tuple[str, ...] = _SHARES) -> list[str]:
    """Shares must lie in [0, 1], and a warn line must not be above its fail line."""
    found = [f"{key} must be a share between 0 and 1, got {getattr(cfg, key)}" for key in shares
             if not 0 <= getattr(cfg, key) <= 1]
    found += [f"{warn} ({getattr(cfg, warn)}) must not be above {fail} ({getattr(cfg, fail)})" for warn, fail in pairs
              if getattr(cfg, warn) > getattr(cfg, fail)]
    return found
