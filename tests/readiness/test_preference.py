"""The preference checks judge the preference section: both sides of each threshold, on real and planted pairs."""

from __future__ import annotations

from pipeline.preference.measure import measure_preference
from pipeline.readiness.config import ReadinessConfig
from pipeline.readiness.preference import (
    check_contradictions,
    check_identical_pairs,
    check_length_bias,
    check_refusal_asymmetry,
    check_repeated_prompts,
)
from pipeline.preference.measure import refuses
from pipeline.preference.text import answer
from tests.preference.helpers import hh_pairs, records

CFG = ReadinessConfig()


def _report(pairs):
    return {"preference": measure_preference(records(pairs), ["train"] * len(pairs), CFG)}


def test_real_slice_passes_every_preference_check():
    report = _report(hh_pairs())
    checks = [check(report, CFG) for check in (check_identical_pairs, check_length_bias, check_contradictions,
                                               check_repeated_prompts, check_refusal_asymmetry)]
    assert [c.status for c in checks] == ["pass"] * 5


def test_no_preference_section_no_check():
    assert check_length_bias({}, CFG) is None and check_refusal_asymmetry({"preference": {"pairs": 0}}, CFG) is None


def test_length_bias_warns_on_a_longer_is_chosen_subset():
    """Keeping the pairs where the chosen answer is longer (plus a fifth as many others) warns; the real slice
    (chosen longer in 43%) passes."""
    pairs = hh_pairs()
    longer = [p for p in pairs if len(answer(p["chosen"])) > len(answer(p["rejected"]))]
    others = [p for p in pairs if len(answer(p["chosen"])) < len(answer(p["rejected"]))][: len(longer) // 5]
    check = check_length_bias(_report(longer + others), CFG)
    assert check.status == "warn" and check.observed > 0.8 and "median length ratio" in check.message


def test_identical_contradictions_and_repeats_warn():
    pairs = hh_pairs()
    planted = [{**p, "rejected": p["chosen"]} for p in pairs[:12]] + pairs[12:]
    assert check_identical_pairs(_report(planted), CFG).status == "warn"
    mirrored = pairs + [{**pairs[0], "chosen": pairs[0]["rejected"], "rejected": pairs[0]["chosen"]}]
    check = check_contradictions(_report(mirrored), CFG)
    assert check.status == "warn" and check.observed == 2 and check.examples
    repeated = pairs + [{**pairs[1], "rejected": p["rejected"]} for p in pairs[2:60]]
    assert check_repeated_prompts(_report(repeated), CFG).status == "warn"


def test_refusal_asymmetry_is_a_note_then_a_warning():
    pairs = hh_pairs()
    refusing = [p for p in pairs if refuses(answer(p["chosen"])) and not refuses(answer(p["rejected"]))]
    rest = [p for p in pairs if p not in refusing]
    assert check_refusal_asymmetry(_report(refusing + rest[: 3 * len(refusing)]), CFG).status == "info"
    assert check_refusal_asymmetry(_report(refusing + rest[: len(refusing) // 2]), CFG).status == "warn"
