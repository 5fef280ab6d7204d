"""Response rules on real fine-tuning records: the rejects a reviewer agrees with, and look-alikes that are fine."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from pathlib import Path

from pipeline.clean.config import CleanConfig
from pipeline.clean.quality import record_quality_failure
from pipeline.clean.responses import SHUFFLED_MIN_SIGNS, response_failure, shuffled_signs
from tests.clean.sft_slices import alpaca

CFG = CleanConfig()


def check_of(parts, cfg: CleanConfig = CFG) -> str | None:
    failure = record_quality_failure(parts, cfg)
    return failure[0] if failure else None


def test_refusals_of_doable_tasks_are_rejected_and_real_limits_kept():
    """Short AI-disclaimer refusals of what a text model can do are rejected; declining live data, physical things
    or images is the right answer and is kept (Alpaca EN)."""
    records = alpaca("alpaca_en_quality.json")
    expected = {"Describe what a character is feeling": "refusal", "Describe your favorite character from a ": "refusal",
                "Describe a memorable moment in your life": "refusal",
                "Write a short description of your house": None, "Write a weather report for tomorrow.": None,
                "Determine the stock market trend of the ": None}  # fmt: skip
    assert {key: check_of(records[key]) for key in expected} == expected


def test_disclaimers_followed_by_the_answer_are_kept_unless_asked():
    """'As an AI ... but I can certainly offer some suggestions: ...' does the task: kept under refusal_max_bytes,
    rejected when there is no maximum."""
    hedged = alpaca("alpaca_en_quality.json")["Imagine you are a tourist in Rome, what "]
    assert check_of(hedged) is None
    assert check_of(hedged, replace(CFG, refusal_max_bytes=None)) == "refusal"
    assert check_of(hedged, replace(CFG, refusal_max_bytes=None, reject_refusal=False)) is None


def test_cut_off_answers_are_truncated():
    """Six real Alpaca EN answers stop mid-sentence or inside a code block; nothing else in the slice is truncated."""
    records = alpaca("alpaca_en_quality.json")
    truncated = sorted(key for key, parts in records.items() if check_of(parts) == "truncated")
    assert truncated == [
        "Create a multiplication table from 2 to ",  # an unclosed ``` block stopping at 4x8=32
        "Create a scientific article about the ex",  # "...a reminder of the importance of"
        "Explain the process for reversing a link",  # "...Then we reverse"
        "Generate content for an article about th",  # "...the organic section – your body"
        "Summarize the timeline of important even",  # "...aggression that finally boiled over"
        "Write four articles on the topic of cryp",  # "...While Bitcoin"
    ]


def test_hashtags_attributions_and_edit_tasks_are_not_flagged():
    """A post ending in hashtags, a quotation's attribution, an unchanged input for an edit task: all fine."""
    records = alpaca("alpaca_en_quality.json") | alpaca("alpaca_200_quality.json")
    starts = ("Compose a tweet", "Create a Twitter post", "Design a post", "Generate a microblog post",
              "Find an interesting quote", "Organize the sentences", "Divide this list", "Proofread",
              "Given the following input, modify")  # fmt: skip
    keys = [key for key in records if key.startswith(starts)]
    assert len(keys) == 9, keys
    assert {key: check_of(records[key]) for key in keys} == dict.fromkeys(keys)


def test_chinese_prompts_answered_in_english_are_a_language_mismatch():
    """Alpaca ZH: 8 English answers to Chinese prompts are rejected; an English app name asked for is not."""
    verdicts = {key: check_of(parts) for key, parts in alpaca("alpaca_zh_quality.json").items()}
    assert sum(v == "language_mismatch" for v in verdicts.values()) == 8, verdicts
    assert next(v for k, v in verdicts.items() if k.startswith("生成一个移动应用程序的名称")) is None  # "DelishDish"


def test_translations_and_quoted_words_are_not_a_mismatch():
    """A translation, or an answer in the script of words the prompt quotes, is the task."""
    assert response_failure("Water is important, as the sentence says in English.", "将句子“El agua es importante”翻译成英语。", CFG) is None
    assert response_failure("The wedding reception was held in an opulent ballroom with chandeliers.",
                            "生成一个正确使用“opulent”一词的例句。", CFG) is None  # fmt: skip
    assert response_failure("Certainly, I will schedule a meeting for you tomorrow at 10 AM.", "安排明天上午10点的会议。",
                            CFG)[0] == "language_mismatch"  # fmt: skip


def test_empty_and_echo_responses():
    """A response without letters or digits, and one repeating the prompt, are rejected; a restatement is not."""
    prompt = [("prompt", "Name three primary colours.")]
    assert check_of(prompt + [("completion", "...")]) == "empty_response"
    assert check_of(prompt + [("completion", "name three primary colours")]) == "echo"
    assert check_of(prompt + [("completion", "The three primary colours are red, yellow and blue.")]) is None
    assert check_of(prompt + [("completion", "name three primary colours")], replace(CFG, reject_echo=False)) is None


def test_truncation_shapes():
    """An unclosed fence, a trailing comma or an unfinished sentence is truncated; a list or a poem line is not."""
    assert response_failure("Here it is:\n```python\nprint('hi')", "", CFG)[0] == "truncated"
    long = "The first step is to preheat the oven. Then mix the flour, the sugar and the butter until"
    assert response_failure(long, "", CFG)[0] == "truncated"
    assert response_failure("Ingredients:\n- flour\n- sugar\n- butter", "", CFG) is None
    assert response_failure("Roses are red,\nViolets are blue\nSugar is sweet\nAnd so are you", "", CFG) is None
    assert response_failure(long, "", replace(CFG, reject_truncated=False)) is None


def _taskmaster_chats() -> list[list[tuple[str, str]]]:
    path = Path(__file__).parent.parent / "data" / "content" / "taskmaster4_coffee_600.jsonl"
    return [[(t["speaker"], t["text"]) for t in json.loads(line)["turns"]]
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_dialogue_turns_without_a_stop_are_kept():
    """Task-oriented dialogue (Taskmaster-4 coffee orders): short assistant turns that omit their stop ('Okay, your
    order will be ready in a few minutes at the coffee bar') are said in full; 1 chat of 600 is rejected (it ended
    on 21 words trailing off without a stop), against 31 before the rule judged only long last turns."""
    chats = _taskmaster_chats()
    rejected = [chat for chat in chats if check_of(chat) == "truncated"]
    assert len(rejected) <= 2
    turn = "Okay, your order will be ready in a few minutes at the coffee bar"
    assert check_of([("user", "A latte please"), ("assistant", turn)]) is None


def test_truncation_of_a_middle_turn_needs_a_strong_sign():
    """A turn the conversation went on after was not cut by a length limit: only an open code block or an end on a
    comma or colon count there; the same long unfinished sentence as the last turn is rejected."""
    said = ("Please confirm that your order details are correct. After that I will pass it to the coffee bar where "
            "the barista prepares the drink for")
    assert check_of([("user", "A mocha"), ("assistant", said), ("user", "Yes"), ("assistant", "Thanks!")]) is None
    assert check_of([("user", "A mocha"), ("assistant", said)]) == "truncated"
    assert check_of([("user", "A mocha"), ("assistant", "Here is the order,\n```\nmocha"), ("user", "ok"),
                     ("assistant", "Done.")]) == "truncated"


def test_a_short_answer_stopping_on_an_article_is_still_cut():
    """Under 20 words, a last word no sentence ends on ('the', 'and', 'until') is still a cut; a stranded preposition
    is not ('Which city are you leaving from')."""
    assert response_failure("The first step is to preheat the oven. Then mix the flour and the", "", CFG)
    assert response_failure("Sure. Which city are you leaving from", "", CFG) is None


def _shuffled_and_cut_answers() -> tuple[list[str], list[str], list[str]]:
    """Real answers (Alpaca EN and GSM8K slices), and those of 20+ words shuffled (seeded) and cut at half."""
    data = Path(__file__).parent.parent / "data" / "content"
    answers = [r["output"] for r in json.loads((data / "alpaca_en_300.json").read_text(encoding="utf-8"))]
    answers += [json.loads(line)["answer"] for line in (data / "gsm8k_300.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(0)
    shuffled, cut = [], []
    for answer in (a for a in answers if len(a.split()) >= 20):
        words = answer.split()
        rng.shuffle(words)
        shuffled.append(" ".join(words))
        tokens = re.findall(r"\S+\s*", answer)
        k = len(tokens) // 2
        while k > 1 and not tokens[k - 1].rstrip()[-1:].isalnum():
            k -= 1
        cut.append("".join(tokens[:k]).rstrip())
    return answers, shuffled, cut


def test_shuffled_answers_are_not_taken_for_cut_ones():
    """Shuffled words end anywhere, often on 'the': the truncation rule leaves them to the scrambled_text check.
    Two signs of shuffled order (a stop before a lowercase word, 'The'/'Then'/'She' inside a sentence) show in 76%
    of 506 shuffled answers, in none of 600 real answers and none of the same answers cut at half."""
    answers, shuffled, cut = _shuffled_and_cut_answers()
    assert not [a for a in answers + cut if shuffled_signs(a) >= SHUFFLED_MIN_SIGNS]
    assert sum(shuffled_signs(s) >= SHUFFLED_MIN_SIGNS for s in shuffled) >= 0.7 * len(shuffled)
    assert sum(check_of([("user", "q"), ("assistant", c)]) == "truncated" for c in cut) >= 130
    scrambled = "used. pages. Each be 8 paper prints pieces would #### 4 of Then 32/4=8 piece among the"
    assert response_failure(scrambled, "", CFG) is None
    assert response_failure("Each page prints 8 pieces of paper. Then 32/4 = 8 pieces go among the", "", CFG)
