"""The per-response rules behind the content checks, on texts they must and must not flag."""

from __future__ import annotations

import pytest

from pipeline.readiness.content import materially_different, prompt_key
from pipeline.readiness.content_rules import format_artifacts, fragment, refusal, swapped_pair, truncation


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
