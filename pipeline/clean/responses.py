"""Rules for the responses of fine-tuning records: what SFT data suffers from and web-text heuristics miss.

Each rule judges one response (a completion, an assistant message) against the prompt it answers and returns
``(check, detail)`` or ``None``:

- ``empty_response``: no letter or digit at all;
- ``truncated``: a code block opened and never closed, or prose that stops mid-sentence (the last line ends in
  ``, : ; ( -``; or, in the record's last response of 20+ words or one stopping on an article or conjunction, it
  trails off after a finished sentence or is a 12+ word sentence without a stop). List items, headings, code
  lines, hashtags closing a post and a quotation's attribution are not sentences; a dialogue turn under 20 words
  without its stop is style, and a turn the chat went on after was not cut by a length limit;
- ``echo``: the response repeats the prompt, or its instruction (the prompt's first paragraph), ignoring case,
  spacing and punctuation. An unchanged *input* is not an echo: it is often the right answer to an edit task;
- ``refusal``: a short response (at most ``refusal_max_bytes`` UTF-8 bytes) that opens with an AI self-reference
  and declines ("As an AI, I do not have personal preferences"). Declining for a real limit of a text model is
  the right answer and is kept: the assistant's own tools or functions (tool-use data), live data, the internet,
  physical action, seeing, images;
- ``language_mismatch``: the prompt and the response are written in different scripts (a Chinese instruction
  answered in English), unless the prompt asks for a translation or quotes words of the response's script.
  Languages sharing a script (English and German) are the language filter's business.
"""

from __future__ import annotations

import functools
import re

from pipeline.clean.config import CleanConfig
from pipeline.clean.prose import CODE_LINE, prose
from pipeline.clean.script import dominant_script, script_counts

Failure = tuple[str, str]


def response_failure(response: str, prompt: str, cfg: CleanConfig, *, final: bool = True) -> Failure | None:
    """The first response rule a response fails given the prompt it answers, or ``None``. ``final``: the record's
    last response (a turn the conversation went on after was not cut by a length limit)."""
    if not any(map(str.isalnum, response)):
        return "empty_response", "the response has no letter or digit"
    for enabled, rule in (
        (cfg.reject_truncated, functools.partial(truncated, final=final)),
        (cfg.reject_echo, _echo),
        (cfg.reject_refusal, functools.partial(_refusal, max_bytes=cfg.refusal_max_bytes)),
        (cfg.reject_language_mismatch, _language_mismatch),
    ):
        if enabled:
            failure = rule(response, prompt)
            if failure:
                return failure
    return None


# A last line that is a list item, heading, table row, hashtag line, signature or code is not a sentence.
_NOT_A_SENTENCE = re.compile(r"^\s*(?:[-*•+#>|]|\d+[.)]\s|[a-zA-Z][.)]\s|[A-Z][\w .'-]{0,40}$)")
# Hashtags close social-media posts, an attribution closes a quotation: neither is a cut-off sentence.
_TRAILING_TAGS = re.compile(r"(?:\s+#\w+)+$")
_ATTRIBUTION = re.compile(r"[.!?\"'”’]\s*[-–—]\s*[A-Z][\w. ]{0,40}$")
# A line opening or closing a code block; a line that also closes what it opens ("```git``` is...") is inline code.
_BLOCK_FENCE = re.compile(r"^[ \t]*(```|~~~)(?!.*\1)", re.M)
_CJK_STOP = "。！？!?…」』）)”\""
_CUT_ENDINGS = (",", ":", ";", "(", "-", "–", "，", "：", "、", "；")


# A turn under 20 words that omits its stop is how people write dialogue ("Your train leaves at 2:40 pm"); a
# length limit or a broken export cuts longer answers. Read in Taskmaster-4's coffee-ordering dialogues.
SHORT_TURN_WORDS = 20
# ...unless it stops on a word no sentence ends on (prepositions are left out: "Which city are you leaving from").
_NEVER_LAST = frozenset("a an the and or but nor because although whereas whether until while if their its our your "
                        "my his".split())
ESCAPED_END = re.compile(r"(?:\\[rn])+$")  # an export's literal "\r" after the last stop


def truncated(response: str, prompt: str, final: bool = True, min_words: int = SHORT_TURN_WORDS) -> Failure | None:
    if len(_BLOCK_FENCE.findall(response)) % 2:
        return "truncated", "a code block is opened and never closed"
    failure = _prose_cut(response, final, min_words)
    if failure and reads_shuffled(response):
        return None  # shuffled words end anywhere: not a cut (the readiness check scrambled_text names them)
    return failure


def _prose_cut(response: str, final: bool, min_words: int) -> Failure | None:
    text = ESCAPED_END.sub("", response.rstrip()).rstrip()
    last = _TRAILING_TAGS.sub("", text[-2000:].rsplit("\n", 1)[-1].strip())
    if _ATTRIBUTION.search(last):
        return None  # a quotation's source: '..." - C.S. Lewis'
    if not last or _NOT_A_SENTENCE.match(last) or CODE_LINE.search(last) and not last.endswith((",", ":")):
        return None
    end = last[-1]
    if end in _CUT_ENDINGS and len(text) >= 80:
        return "truncated", f"the response ends with '{end}', mid-sentence"
    if not end.isalpha() or not final:
        return None  # a turn the conversation went on after: the reader took it as said in full
    if _is_cjk(end):
        # CJK prose: a last line of 20+ characters that finished sentences before and stops without a stop mark.
        if len(last) >= 20 and any(stop in last[:-1] for stop in "。！？"):
            return "truncated", "the response stops mid-sentence (no closing punctuation after a finished sentence)"
        return None
    words = last.split()
    if len(text.split()) < min_words and words[-1].casefold() not in _NEVER_LAST:
        return None  # a short utterance without its stop: style, not a cut
    # Latin prose: the last line finished a sentence before and trails off, or is a 12+ word unfinished sentence.
    finished_before = re.search(r"[.!?][\"')\]]?\s+\S", last)
    if (finished_before and len(words) >= 6) or len(words) >= 12:
        return "truncated", f"the response stops mid-sentence: '...{' '.join(words[-4:])}'"
    return None


# Word order: shuffled words carry their stops and capitals to random places ("used. pages. Each be 8 paper prints
# pieces would #### 4 of Then"), and a shuffled answer ends on a random word, often one no sentence ends on. Two
# signs tell it from a cut answer: a word closing a sentence followed by a lowercase word, and a capitalised
# sentence opener ("The", "Then", "She") inside a sentence between lowercase words. Read on the corpus sources: 1
# of ~2,300 answers cut mid-sentence shows two signs, 70-98% of shuffled prose answers the rule took as cut do.
SHUFFLED_MIN_SIGNS = 2
_OPENERS = frozenset(
    "the an in on at to for of with from by then if so it he she they we you this that these those there each but "
    "and or as when what how why finally first next after before since however also his her their its our my your "
    "is are was were thus therefore hence together now let here both every some many most only one two three once "
    "while although because during".split())
_CLOSING_WORD = re.compile(r"^[^\W\d_]{2,}[.!?]$")  # "pages.": a word, then the stop of its sentence
_LOWER_WORD = re.compile(r"^[a-z][a-z'’-]*[,;:.!?]?$")
_BEFORE_OPENER = re.compile(r"[a-z][a-z'’]*|\d[\d,]*")  # a lowercase word or a number, no punctuation after it
_ABBREVIATIONS = frozenset(
    "e.g. i.e. etc. vs. mr. mrs. ms. dr. st. no. approx. jr. sr. inc. ltd. co. fig. vol. pp. ft. cu. sq. in. oz. lb. "
    "lbs. min. max. hr. hrs. km. cm. mm. kg. mt. ave. blvd. rd. prof. gen. gov. sen. rep. jan. feb. mar. apr. aug. "
    "sep. sept. oct. nov. dec.".split())


def reads_shuffled(text: str) -> bool:
    """Whether ``text`` shows :data:`SHUFFLED_MIN_SIGNS` or more signs of shuffled word order."""
    return shuffled_signs(text) >= SHUFFLED_MIN_SIGNS


def shuffled_signs(text: str) -> int:
    """Signs of shuffled word order in ``text`` (line by line): stops followed by a lowercase word, and capitalised
    sentence openers between lowercase words (a Title Case name, "the First World War", is not counted)."""
    signs = 0
    for line in text.split("\n"):
        tokens = line.split()
        for i in range(len(tokens) - 1):
            a, b = tokens[i], tokens[i + 1]
            if _CLOSING_WORD.match(a) and a.casefold() not in _ABBREVIATIONS and _LOWER_WORD.match(b):
                signs += 1
            word = b.rstrip(",")
            if (word.casefold() in _OPENERS and word[0].isupper() and word[1:].islower()
                    and _BEFORE_OPENER.fullmatch(a) and (i + 2 == len(tokens) or not tokens[i + 2][:1].isupper())):
                signs += 1
    return signs


def _is_cjk(char: str) -> bool:
    return "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" or "\uf900" <= char <= "\ufaff"


def _normalised(text: str) -> str:
    # Case, spacing and punctuation aside: "name three primary colours" repeats "Name three primary colours."
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


_NON_WORD = re.compile(r"[^\w]+")


def _echo(response: str, prompt: str) -> Failure | None:
    if not prompt:
        return None
    if len(response) > len(prompt) + 10:
        return None  # longer than what it would repeat (the cheap test first: most responses are)
    said = _normalised(response)
    instruction = prompt.strip().split("\n\n", 1)[0]
    if said == _normalised(prompt) or said == _normalised(instruction):
        return "echo", "the response repeats its prompt"
    return None


# AI self-reference followed, in the same opening, by declining: the boilerplate of distilled chat data.
AI_SELF = re.compile(
    r"\b(?:as an? (?:ai|artificial intelligence)(?: language model| assistant| model)?"
    r"|I(?:'m| am) (?:just |only |merely )?an? (?:ai|artificial intelligence|language model)(?: language model| assistant)?)\b"
    r"|作为一个?(?:AI|人工智能)(?:语言模型|助手|助理)?",
    re.I,
)
DECLINE = re.compile(
    r"\b(?:can(?:no|')t|unable|not able|not capable|incapable|do(?:n't| not) (?:have|possess)|lack)\b"
    r"|无法|不能|没有(?:能力|办法)",
    re.I,
)
# Declining is the right answer when it names a real limit of a text model: the assistant's own functions (a tool-use
# refusal, the intended answer to an out-of-scope request), live data, physical action, seeing or drawing. Those are
# kept; disclaimers that decline what a text model can do (an opinion, a story, a description) are rejected.
REAL_LIMIT = re.compile(
    r"\bfunctions?\b|\btools?\b|\bexternal tasks?\b|\bcapabilities are limited\b|real[- ]time|up[- ]to[- ]date|"
    r"\binternet\b|\bbrowse|\blive data|\bphysical(?:ly)?\b|\bsee\b|\bperceive|\bimages?\b|\bgraphic|\bvisual|\bdraw\b|"
    r"实时|联网|互联网|物理|看到|看见|图片|图像",
    re.I,
)
OPENING = 200


def _refusal(response: str, prompt: str, max_bytes: int | None) -> Failure | None:
    # UTF-8 bytes, not characters: 400 bytes is ~400 Latin characters or ~130 Chinese ones, about the same content.
    if max_bytes is not None and len(response) * 3 > max_bytes and len(response.encode()) > max_bytes:
        return None  # a disclaimer followed by the answer: the task is done (set no maximum to reject those too)
    opening = response[:OPENING]
    match = AI_SELF.search(opening)
    if match is None or not DECLINE.search(opening, match.start()):
        return None
    if REAL_LIMIT.search(opening):
        return None
    return "refusal", f"AI-disclaimer boilerplate declining the task: '{match.group()}...'"


_TRANSLATION = re.compile(
    r"translat|transliterat|romani[sz]|pinyin|romaji|\bin (?:[A-Z][a-z]+)\b|\binto [A-Z][a-z]+\b"
    r"|翻译|译成|译为|英[语文]|中文|日[语文]|韩[语文]|法[语文]|德[语文]|西班牙[语文]|俄[语文]",
)


_MISMATCH_MIN_LETTERS = 20


def _language_mismatch(response: str, prompt: str) -> Failure | None:
    if not prompt or (response.isascii() and prompt.isascii()):
        return None  # one script: same-script languages are the language filter's business
    said, asked = prose(response), prose(prompt)
    response_counts, prompt_counts = script_counts(said), script_counts(asked)
    response_script, prompt_script = dominant_script(response_counts, 0.8), dominant_script(prompt_counts, 0.8)
    if response_script is None or prompt_script is None or response_script == prompt_script:
        return None
    if sum(response_counts.values()) < _MISMATCH_MIN_LETTERS:
        return None  # a name or a word ("DelishDish" for a Chinese prompt asking for an app name) says nothing
    if prompt_counts.get(response_script, 0) >= 3 or _TRANSLATION.search(prompt):
        return None  # the prompt quotes words of that script or asks for a translation: a legitimate answer
    return "language_mismatch", f"the prompt is in {prompt_script} script, the response in {response_script}"
