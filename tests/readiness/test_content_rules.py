"""The per-response rules behind the content checks, on texts they must and must not flag."""

from __future__ import annotations

import pytest

from pipeline.readiness.content import materially_different, prompt_key
from pipeline.clean.responses import SHORT_TURN_WORDS
import json
import random

from pipeline.readiness.content_rules import (
    format_artifacts,
    fragment,
    refusal,
    swapped_pair,
    truncation,
    typical_lengths,
)
from tests.conftest import DATA


@pytest.mark.parametrize("text", [
    "She drives 40 miles a day, so in a week she drives 200 miles for work\nThat means",
    "Preheat the oven. Mix the flour and the",
    "Here are the steps:\n\n1. Mix the batter well.\n2. Heat the pan.\n3. Pour a ladle of batter into the pan and",
    "The answer depends on the size (and on the",
])
def test_truncation_flags_cut_answers(text):
    """Answers cut at a word, in a list item or inside a bracket are flagged."""
    assert truncation(text)


@pytest.mark.parametrize("text", [
    "Positive",
    "1. Apples\n2. Pears\n3. Plums",
    "def f(x):\n    return x + 1",
    "The total is 42",
    "You can read more at https://example.com/docs",
    "Thank you for reading 😊",
    "这是一个完整的回答，没有问题",
    "```python\nprint('hi')\n```",
    "```git``` keeps a ```HEAD``` pointer to the current commit",
    "Best regards,\nJane Doe",
    "The cat sat on the mat. It was happy there.",
    "Which city are you leaving from",
    "Sure. What time would you like to leave for",
    "Booked! Your reference number is 8HJ2K",
    "Your train leaves at 2:40 pm",
    "Let the number be x.\nThen 3x + 4 = 40, so 3x = 36.\nHence x = 12",
    "The speed is 60 km/h.\nThe time taken is 5 hours.\nSo the distance is 300 km.\nAnswer: C",
    "Total work is 20 days.\nA does 1/4 of it.\nB does the rest of it.\nHence the correct answer is option C",
    "Please confirm the order on the screen. I will then pass it to the bar for preparing the drink.\\r",
])
def test_truncation_leaves_complete_answers(text):
    """Labels, lists, code, numbers, URLs, emoji, Chinese text and signed letters are not cut-off answers."""
    assert truncation(text) is None


def test_refusal_at_any_length_but_not_a_real_limit():
    """A disclaimer that declines counts even when an answer follows; declining a real limit does not."""
    padded = "As an AI language model, I cannot have opinions. However, here is some information. " + "x " * 300
    assert refusal(padded) == "As an AI language model"
    assert refusal("As an AI, I don't have access to real-time data, so check the website.") is None
    assert refusal("Paris is the capital of France.") is None


@pytest.mark.parametrize("text", [
    "I'm sorry, but I can't help with that request.",  # refusals of HH-RLHF harmless, and others phrased alike
    "I’m sorry, I cannot help you with that.  I don’t know who that is.",
    "Unfortunately I’m unable to tell you that.",
    "I'm afraid I can't offer any help on something so unethical.",
    "I can’t help you beat someone up!",
    "Sorry, that's not something I can do.",
    "I apologize, but I cannot describe a process of making crepes, as it goes against my programming.",
    "I'm sorry, but I'm not comfortable doing that.",
])
def test_refusal_without_an_ai_self_reference(text):
    """An apology and 'I' declining in the first sentence, or a sentence opening by declining, is a refusal."""
    assert refusal(text)


@pytest.mark.parametrize("text", [
    "I'm sorry to hear that. I can't help but think you deserve better.",
    "I'm sorry for the inconvenience. I can't wait to sort this out: your refund is on its way.",
    "I cannot stress enough how important sleep is.",
    "Unfortunately, I cannot determine the angle given only two sides; we would need additional information.",
    "I'm sorry, but you didn't provide the song lyrics. Can you please provide them?",
    "I'm sorry, but I'm unable to assist with that. My current capabilities are limited to calculating BMI.",
    "I'm sorry, I can't book flights. " + "Here is how you can compare fares on the airline sites yourself. " * 6,
    "Sorry, I’m not sure what you’re asking about. What do you mean?",
])
def test_refusal_spares_sympathy_requests_for_input_and_answers(text):
    """Sympathy, a support apology, idioms, asking for missing input, a tool's stated scope and a response that
    goes on to help are not refusals."""
    assert refusal(text) is None


def _codealpaca() -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (DATA / "readiness/codealpaca_2k.jsonl").read_text().splitlines()]
    return [(r["instruction"] + (f"\n\n{r['input']}" if r["input"] else ""), r["output"]) for r in rows]


def test_fragment_rare_on_real_code_and_common_on_its_cut_answers():
    """Real Code Alpaca (short code answers included): under 0.5% flagged; its long answers cut to their last 2-6
    words (or to a middle run of them): most found, by the unfinished end or by the length alike instructions get."""
    pairs = _codealpaca()
    typical = typical_lengths(pairs)
    assert sum(bool(fragment(p, r, typical)) for p, r in pairs) <= 0.005 * len(pairs)
    rng = random.Random(3)
    eligible = [i for i, (_, r) in enumerate(pairs) if len(r.split()) >= 25]
    cut = set(rng.sample(eligible, len(pairs) // 5))
    damaged = list(pairs)
    for i in sorted(cut):
        words, k = pairs[i][1].split(), rng.randint(2, 6)
        start = len(words) - k if rng.random() < 0.5 else rng.randrange(len(words) - k)
        damaged[i] = (pairs[i][0], " ".join(words[start:start + k]))
    typical = typical_lengths(damaged)
    found = sum(bool(fragment(*damaged[i], typical)) for i in cut)
    assert found >= 0.3 * len(cut)  # the rule before relative lengths and unfinished ends: 9%


@pytest.mark.parametrize(("prompt", "response"), [
    ("Devise a plan to help children engage with online learning.", "To help children engage with"),
    ("List 4 ways to reduce plastic waste.", "Here are four ways:"),
    ("Create a Java program to calculate the factorial of a number.", "public class FactorialCalculator { public static"),
    ("Write a function to reverse a string.", "def reverse_string(s)"),
])
def test_fragment_that_stops_unfinished(prompt, response):
    """Prose ending on a word no sentence ends on or a colon, code with a bracket left open or a header without a
    body: a fragment whatever the instruction."""
    assert fragment(prompt, response)


@pytest.mark.parametrize(("prompt", "response"), [
    ("Describe the color yellow in 3 words.", "Bright, cheerful, warm."),
    ("Come up with a slang term for the phrase 'working hard'.", "Grinding, hustling."),
    ("Generate a random number between 1 and 10.", "7"),
    ("Write a SQL query to select all users.", "SELECT * FROM users;"),
    ("Write a function to add two numbers.", "def add(a, b): return a + b"),
    ("Write a story about a dragon.", "I'm sorry, I can't do that."),
    ("Write a story about a dragon.", "Which kind of dragon?"),
])
def test_fragment_spares_short_asks_complete_code_and_refusals(prompt, response):
    """A requested short answer, complete code, a refusal and a clarifying question are not fragments."""
    assert fragment(prompt, response, {"write a story": 900.0, "write a": 900.0}) is None


def test_fragment_far_shorter_than_alike_instructions():
    """'Generate a...' answered in a few prose words where 'generate a' instructions get 400+ characters."""
    typical = {"generate a marketing": 450.0, "generate a": 420.0}
    assert fragment("Generate a marketing plan for a bakery.", "focus on local customers", typical)
    assert fragment("Generate a marketing plan for a bakery.", "focus on local customers", {"generate a": 60.0}) is None


def test_fragment_needs_an_open_instruction():
    """'Explain...' answered in 3 words is a fragment; a short factual answer or a requested title is not."""
    assert fragment("Explain how photosynthesis works.", "Plants use light")
    assert fragment("What is the capital of France?", "Paris") is None
    assert fragment("Write a title for this article about cats.", "Cats Rule the World") is None


def test_format_artifacts_outside_code_only():
    """Template markers in prose count; a chat template shown inside a code block does not."""
    assert format_artifacts("Done.\n\n### Instruction:\nName a fruit.\n\n### Response:\nApple") == ["### Instruction/Response"]
    assert format_artifacts("Use this template:\n```\n<|im_start|>user\nhi<|im_end|>\n```") == []
    assert format_artifacts("The answer.\n\nHuman: and now?") == ["Human:/Assistant: turns"]


def test_swapped_pair():
    """A user turn that answers followed by an assistant turn that asks is a swapped pair; the reverse is not."""
    answer = "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen inside the chloroplasts."
    assert swapped_pair(answer, "How does photosynthesis work?")
    assert not swapped_pair("How does photosynthesis work?", answer)


def test_materially_different():
    """Another final number or hardly a shared content word is a different answer; a paraphrase is not."""
    assert materially_different("She has 3 + 4 = 7 apples.\n#### 7", "She has 3 + 5 = 8 apples.\n#### 8")
    assert not materially_different("I'm sorry, I can't book flights for you.", "Sorry, but booking flights is not something I can do.")
    assert prompt_key("What is 2+2?") == prompt_key("what is 2 + 2")


def test_truncation_of_a_middle_turn_needs_a_strong_sign():
    """A turn the chat went on after is judged only on an open code block, an end on a comma or colon, or a last word
    no sentence ends on (hh-rlhf samples every turn under a length limit: '...is not going to', then the user
    replies); a middle turn trailing off after a finished sentence is dialogue style (Schema-Guided Dialogue)."""
    assert truncation("Preheat the oven. Mix the flour and the") is not None
    assert truncation("Preheat the oven. Mix the flour and the", final=False) is not None
    assert truncation("Here is the plan for the week, step by step,", final=False) is not None
    flight = "I found 1 flight on Delta Airlines. It has 0 stops and departs at 2:30 pm for $109 per passenger"
    assert truncation(flight) is not None and truncation(flight, final=False) is None


def test_short_dialogue_turns_trailing_off_after_a_sentence_are_style():
    """In chat data a last turn under 20 words without its stop after a finished sentence is said in full ('Ok,
    great! Have a wonderful day'), as in the clean rule; one stopping on 'the' or 'as' is still cut."""
    assert truncation("Ok, great! Have a wonderful day") is not None  # a completion: any length counts
    assert truncation("Ok, great! Have a wonderful day", short_turn=SHORT_TURN_WORDS) is None
    cut = "Sure, that information is publicly available online.  It's currently listed as"
    assert truncation(cut, short_turn=SHORT_TURN_WORDS) is not None


def test_fragments_answering_a_persona_prompt_are_found():
    """Role-play prompts set a persona first and ask after it ('You are a time-traveling historian who has just
    arrived in ancient Rome. Describe your observations', 'Take on the role of Mary Shelley and discuss...'); a
    2-6-word answer opening with a capital ('Upon entering', 'My dear') is prose, not a name. GPTeacher Roleplay
    with a quarter of its long answers cut to 2-6 words: 70% found (38% when only the opening was read), none of
    its real answers."""
    rows = [json.loads(line) for line in (DATA / "readiness" / "gpteacher_roleplay_1000.jsonl").read_text(
        encoding="utf-8").splitlines()]
    pairs = [(r["instruction"] + (f"\n\n{r['input']}" if r["input"] else ""), r["response"]) for r in rows]
    real = typical_lengths(pairs)
    assert not [p for p, r in pairs if fragment(p, r, real)]
    rng = random.Random(7)
    cut = set(rng.sample([i for i, (_, r) in enumerate(pairs) if len(r.split()) >= 25], 250))
    damaged = [(p, " ".join(r.split()[:rng.randint(2, 6)]).rstrip(".,:;") if i in cut else r)
               for i, (p, r) in enumerate(pairs)]
    typical = typical_lengths(damaged)
    assert sum(fragment(*damaged[i], typical) is not None for i in cut) >= 0.6 * len(cut)
    assert fragment("You are a guide in ancient Rome. Describe the forum at dawn.", "Upon entering")
    assert fragment("Name the capital of the state of New York.", "Albany") is None
    assert fragment("I'm a teacher. How can I approach her?", "Sure, I'll be happy to advise.") is None
