"""Token counting: real offline BPE counts, the documented estimate, and texts too long for the tokenizer."""

from __future__ import annotations

import bpe_openai

from pipeline.clean.tokens import count_tokens, estimate_tokens, token_counter
from tests.clean.real_texts import real_texts


def test_counts_match_the_encoding_token_ids():
    """Counts equal the number of token ids bpe-openai's o200k_base and cl100k_base produce."""
    text = "Fine-tuning data should be clean, deduplicated and split without leakage."
    for name in ("o200k_base", "cl100k_base"):
        assert count_tokens([text], name) == [len(bpe_openai.get_encoding(name).encode_ordinary(text))]
    assert count_tokens(["hello world", ""], "o200k_base") == [2, 0]


def test_special_token_text_is_counted_as_plain_text():
    """Text that looks like a special token is counted, not refused."""
    assert count_tokens(["<|endoftext|>"], "cl100k_base")[0] > 1


def test_estimate_is_utf8_bytes_over_four_rounded_up():
    """The fallback estimate is ceil(UTF-8 bytes / 4), so multi-byte scripts are not undercounted."""
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    assert estimate_tokens("日本語") == 3  # 9 bytes
    count, name = token_counter("estimate")
    assert name == "estimate" and count("abcdefgh") == 2


def test_texts_beyond_the_tokenizer_limit_are_counted_in_slices():
    """A text over bpe-openai's 1M-character limit is counted instead of raising."""
    assert count_tokens(["word " * 250_000], "o200k_base")[0] >= 250_000


def test_rust_counts_equal_the_length_of_the_token_lists_on_real_texts():
    """The counting shortcut (bpe-openai's Rust ``count``) gives ``len(encode_ordinary(text))`` on every real text
    of tests/data and samples, and on special-token look-alikes, lone surrogates and emoji."""
    texts = [*real_texts(), "<|endoftext|>", "<|im_start|>user", "a\ud800b", "\udcff", "👩‍👩‍👧 🇫🇷", " ", "\n\n"]
    for name in ("o200k_base", "cl100k_base"):
        encoding = bpe_openai.get_encoding(name)
        count, _ = token_counter(name)
        assert [count(text) for text in texts] == [len(encoding.encode_ordinary(text)) for text in texts]
