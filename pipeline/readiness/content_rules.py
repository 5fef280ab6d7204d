"""What one response (or one chat) gets wrong, for the content checks: each rule returns a short reason or ``None``.

The clean stage rejects the plainest cases (:mod:`pipeline.clean.responses`: a response cut off after a comma, a
short AI-disclaimer refusal); these rules reuse those and add what a reject rule must not act on alone but a share
of records makes worth a warning:

- :func:`truncation`: the clean rule, plus prose whose last line stops on a word no English sentence ends on
  ("...for work\\nThat means", "...and the"), or with a bracket opened on the last line and never closed;
- :func:`refusal`: an AI self-reference that declines in the opening of the response, at any length (a
  disclaimer padded with an answer too: the clean stage keeps those), or a short response whose first sentence
  apologises and declines ("I'm sorry, but I can't help with that"), unless it names a real limit of a text model;
- :func:`fragment`: a 1-6-word response that stops unfinished, answers an open instruction ("explain",
  "describe", "write"), or is a quarter or less of what instructions opening alike get in the same data;
- :func:`format_artifacts`: prompt-format and special-token markers in the text (``### Response:``,
  ``<|im_start|>``, ``[INST]``, ``Human:`` turns), outside code blocks;
- :func:`swapped_pair`: a user turn that reads like an answer followed by an assistant turn that reads like a
  question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from pipeline.clean.prose import CODE_LINE, prose
from pipeline.clean.responses import AI_SELF, DECLINE, ESCAPED_END, OPENING, REAL_LIMIT, reads_shuffled, truncated

# Words an English sentence does not end on: articles, most prepositions, conjunctions, possessives. Particles and
# objects ("boiled over", "log in", "get her"), auxiliaries ("yes, I can") and "so" end sentences and are left out.
EXAMPLES = 5  # example rows a content figure quotes
EXAMPLE_CHARS = 120


def short(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters: how the content figures quote a row."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_DANGLING = frozenset(
    "a an the of to for with from into onto as than and or but nor because although whereas whether which whose "
    "whom very such their its our your my his we they including between among during while if when means".split()
)
_WORD = re.compile(r"[A-Za-z']+$")
_NOT_PROSE_END = re.compile(r"(?:https?://\S+|\S*\d[\w.,%]*|[^\w\s])$")  # a URL, a number or code ("8HJ2K"), a symbol
_CODE_CHARS = re.compile(r"[=(){}\[\]<>;`]")
_LIST_OR_HEADING = re.compile(r"^\s*(?:[-*•+#>|]|\d+[.)]\s|[a-zA-Z][.)]\s)")


# A final answer closing a worked solution: an option letter ("Answer: C", "the answer is (b)") or an equation.
_ANSWER_END = re.compile(r"(?:\banswer\b.{0,30}?|\boption\s*|^\W*)(?<!\w)\(?[A-Ea-e]\)?\W*$|=\s*\S+$", re.I)
# Prepositions a question may end on: "Which city are you leaving from", "What are you looking for".
_STRANDED = frozenset("of to for with from into onto as than".split())


def truncation(response: str, final: bool = True, short_turn: int = 0) -> str | None:
    """Why ``response`` looks cut off, or ``None``. ``final``: the record's last response (a middle turn is judged on
    an open code block, an end on a comma or colon, a last word no sentence ends on). ``short_turn``: a turn under
    this many words trailing off after a finished sentence is style ("Ok, great! Have a wonderful day")."""
    failure = truncated(response, "", final, min_words=short_turn)
    text = ESCAPED_END.sub("", response.rstrip()).rstrip()
    if failure and _trusted(failure[1], text):
        return failure[1]
    if not text or len(text.split()) < 4:
        return None  # a label, a number, a one-word answer
    if reads_shuffled(text):
        return None  # shuffled words stop anywhere: scrambled_text's finding, not a cut
    lines = [line.strip() for line in text[-4000:].split("\n")[-30:] if line.strip()]
    last = lines[-1]
    if last.endswith((",", ":")) and len(last.split()) >= 3 and not _CODE_CHARS.search(last):
        return f"the response ends with '{last[-1]}', mid-sentence"
    if CODE_LINE.search(last) or _NOT_PROSE_END.search(last) or _ANSWER_END.search(last):
        return None  # code, an end in a number, URL, symbol or emoji, or a final answer ("Answer: C", "x = 12")
    word = _WORD.search(last)
    if word and word.group().casefold() in _STRANDED and _ASKS.match(re.split(r"[.!?]\s+", last)[-1]):
        word = None  # a question ending on its preposition: "Which city are you leaving from"
    if word and word.group().casefold() in _DANGLING and len(last.split()) >= 2:
        return f"the response stops on '{word.group()}': '...{' '.join(last.split()[-4:])}'"
    if not final:
        return None  # a turn the conversation went on after: said in full unless it stops on such a word
    if _LIST_OR_HEADING.match(last):
        return _unlike_the_others(lines, last, min_words=5)  # "4. Heat your pan: Preheat a non-stick pan"
    open_at = last.rfind("(")
    if open_at >= 0 and ")" not in last[open_at:] and len(last) - open_at > 3:
        return f"a bracket is opened and never closed: '...{last[-40:]}'"
    return _unlike_the_others(lines, last, min_words=6)


_FINISHED_BEFORE = re.compile(r"[.!?][\"')\]]?\s+\S")


_ASKS = re.compile(r"\W*(?:what|why|how|who|whom|which|when|where|can|could|would|will|is|are|do|does|did|should|"
                   r"shall|may)\b", re.I)


def _trusted(detail: str, text: str) -> bool:
    """The clean rule's findings a share is measured on: an open code block, an end on a comma or colon, a sentence
    trailing off after a finished one. Its weaker cases (a 12-word line without a stop, CJK prose without a closing
    mark) fire on complete answers that simply omit the stop: read in LIMA and OpenAssistant, most were complete."""
    if "code block" in detail or "ends with" in detail:
        return True
    last = text[-2000:].rsplit("\n", 1)[-1]
    if _ASKS.match(re.split(r"[.!?]\s+", last)[-1]) or _NOT_PROSE_END.search(last):
        return False  # a question without its mark ("Sure. What time would you like to leave for"), a code: "8HJ2K"
    return "stops mid-sentence: '" in detail and bool(_FINISHED_BEFORE.search(last))


def unstopped(response: str) -> str | None:
    """The clean rule's weakest finding, at any length: a last line of 12+ words without a stop (``None`` when
    :func:`truncation` already judges the response). Counted only in data whose writers close their sentences
    (:func:`stops_written`): a turn that omits its stop is style in dialogue, a cut in Alpaca-like answers."""
    failure = truncated(response, "", True, min_words=0)
    text = response.rstrip()
    if failure is None or _trusted(failure[1], text) or "stops mid-sentence: '" not in failure[1]:
        return None
    last = text.rsplit("\n", 1)[-1]
    if _ASKS.match(re.split(r"[.!?]\s+", last)[-1]) or _NOT_PROSE_END.search(last) or _ANSWER_END.search(last):
        return None
    return failure[1]


STOPS_MIN_SENTENCES = 30  # short one-line answers needed to tell whether the writers close their sentences
STOPS_MAX_MISSING = 0.1  # a larger share of them without a closing mark: the writers omit stops (Alpaca 5%, coffee 17%)


def stops_written(responses: list[str]) -> bool:
    """Whether the data's short one-line prose answers (3-6 words) close with a stop: 95% in Alpaca, 83% in
    Taskmaster's coffee-ordering dialogues. A length limit cuts long answers, so the short ones show the style."""
    closed = unclosed = 0
    for text in responses:
        text = text.strip()
        if "\n" in text or not 3 <= len(text.split()) <= 6 or CODE_LINE.search(text) or _LIST_OR_HEADING.match(text):
            continue
        closed += text[-1] in ".!?"
        unclosed += text[-1].isalpha()
    seen = closed + unclosed
    return seen >= STOPS_MIN_SENTENCES and unclosed <= STOPS_MAX_MISSING * seen


def _unlike_the_others(lines: list[str], last: str, min_words: int) -> str | None:
    """A last line without a closing mark where the response's other lines of 4+ words close theirs (2 or more,
    80% of them): the answer stopped before its end. Poems and lists written without stops close none."""
    words = last.split()
    if len(words) < min_words or sum(w[:1].isupper() for w in words) > len(words) / 2:
        return None  # a signature, a title or a name: "Kim Jong Un, Glorious Leader"
    others = [line for line in lines[:-1] if len(line.split()) >= 4 and not CODE_LINE.search(line)]
    closed = sum(not line[-1].isalpha() for line in others)
    if closed >= 2 and closed >= 0.8 * len(others):
        return f"the last line stops without the stop its other lines end with: '...{' '.join(last.split()[-4:])}'"
    return None


# A refusal without an AI self-reference: an apology or regret opening the first sentence and "I" declining in it
# ("I'm sorry, but I can't help with that request", "Unfortunately I'm unable to tell you that"), or a first
# sentence that opens by declining ("I can't help you with that"). Sympathy ("I'm sorry to hear that"), a
# customer-support apology ("sorry for the inconvenience"), "I can't help but", and a request for the missing input
# ("...without more information", "you didn't provide") are not refusals.
_APOLOGY = re.compile(
    r"^\W*(?:(?:oh|well|hmm),?\s+)?(?:i(?:'|’)?m (?:really |so |very )?sorry|sorry|i (?:sincerely )?apologi[sz]e|"
    r"my apologies|unfortunately|i(?:'|’)?m afraid|regrettably)\b(?!\s+(?:to hear|(?:that|if) you|for (?:the|your|any|"
    r"my|that) (?:loss|inconvenience|confusion|trouble|frustration|delay|misunderstanding|mistake|error)))",
    re.I,
)
_DECLINING = (r"(?:must (?:decline|refuse)|can(?:no|'|’)?t|can not|won(?:'|’)t(?: be able to)?|will not(?: be able to)?|"
              r"(?:am|'m|’m) (?:unable to|not able to|not allowed to|not permitted to|not comfortable|not going to)|"
              r"do(?:n'|n’| no)t (?:feel comfortable|think i (?:can|should)))")
_I = r"\bi(?:'|’)?(?:m| am)? ?"
# After an apology, "I" declining anything ("I'm sorry, but I cannot describe..."), but for what declines nothing.
_I_DECLINE = re.compile(_I + _DECLINING + r"\b(?!\s+(?:help but|wait|believe|stress|thank|emphasi[sz]e|imagine|"
                        r"agree|express|say enough))|\bnot something i can\b", re.I)
# Without an apology, a first sentence that opens by declining to help, do or give.
_OPENS_DECLINING = re.compile(
    r"^\W*(?:no,?\s+)?(?:" + _I + r"must (?:decline|refuse)\b|" + _I + _DECLINING
    + r"\s+(?:help|assist|do|provide|fulfil+|comply|answer|give|share|tell|"
    r"write|create|generate|support|engage|participate|discuss|disclose|offer|condone|encourage|make|complete|perform|"
    r"process|produce|recommend|that|this|with|in|be of)\b|(?:that|this)(?:'s|’s| is) not something i can\b)",
    re.I,
)
_ASKS_FOR_INPUT = re.compile(
    r"\b(?:without (?:more|additional|further|any|the|enough|specific|knowing)|more (?:information|context|details)|"
    r"(?:need|require)s? (?:more|additional|further|other)|"
    r"(?:did not|didn(?:'|’)t|haven(?:'|’)t|have not|not) (?:provided?|given|specified|include)|not enough information|"
    r"can(?:no|'|’)?t help but|can(?:no|'|’)?t stress)|\bcapabilit",  # the assistant's stated scope: a tool-use answer
    re.I,
)
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")
REFUSAL_MOSTLY = 300  # characters: a longer response declined one part and answered the rest


def refusal(response: str) -> str | None:
    """Why ``response`` is a refusal, or ``None``: an AI-disclaimer opening that declines the task (any length, a
    disclaimer padded with an answer too: the clean stage keeps those), or a short response (at most
    ``REFUSAL_MOSTLY`` characters) whose first sentence apologises and declines, or opens by declining. A real limit
    of a text model (live data, tools, images) is not a refusal."""
    opening = response[:OPENING]
    match = AI_SELF.search(opening)
    if match is not None and DECLINE.search(opening, match.start()) and not REAL_LIMIT.search(opening):
        return match.group()
    text = response.strip()
    if len(text) > REFUSAL_MOSTLY:
        return None
    first = _FIRST_SENTENCE.split(text, 1)[0]
    if not (_APOLOGY.match(first) and _I_DECLINE.search(first) or _OPENS_DECLINING.match(first)):
        return None
    if REAL_LIMIT.search(text) or _ASKS_FOR_INPUT.search(text):
        return None
    return " ".join(first.split()[:8])


# An open instruction asks for an explanation, a text or an analysis: more than a handful of words.
_OPEN = re.compile(
    r"^\W*(?:please\s+|can you\s+|could you\s+)?(?:explain|describe|write|discuss|compose|elaborate|outline|compare|"
    r"contrast|analy[sz]e|summari[sz]e|tell me about|how (?:do|does|can|would|should|to)|why (?:do|does|is|are|did)|"
    r"what are the (?:benefits|advantages|differences|pros|causes|effects)|develop|draft|create a (?:story|plan|guide|"
    r"essay|article|blog|speech|letter|poem|dialogue|paragraph|description|tutorial))\b",
    re.I,
)
# ...unless it asks for something short: a title, a word, a name, a slogan, one sentence.
_BRIEF = re.compile(
    r"\b(?:title|headline|name|word|words|phrase|slogan|tagline|motto|hashtag|synonym|antonym|acronym|one sentence|"
    r"a sentence|single sentence|in short|briefly|short answer|yes or no|true or false|equation|formula|code|"
    r"function|query|regex|command|haiku|tweet|number|rhyme)\b",
    re.I,
)
# An instruction to make something (a text, code, a plan): the answer's length is the size of the thing made.
_MAKE = re.compile(
    r"^\W*(?:please\s+|can you\s+|could you\s+)?(?:explain|describe|write|discuss|compose|elaborate|outline|compare|"
    r"contrast|analy[sz]e|summari[sz]e|tell me about|develop|draft|create|implement|design|build|construct|generate|"
    r"produce|program|code|modify|rewrite|refactor|debug|fix|optimi[sz]e|convert|translate|edit|improve|provide|give|"
    r"suggest|propose|plan|prepare|devise|imagine|come up with|invent|brainstorm|illustrate|demonstrate|show me|"
    r"teach me|how (?:do|does|can|would|should|to)|why (?:do|does|is|are|did))\b",
    re.I,
)
# What asks for a short answer anywhere in the instruction ("...in 3 words", "a slang term for"), and in its opening
# only ("Generate a random number", not "...checks if a given number is prime").
_SHORT_ANYWHERE = re.compile(
    r"\b(?:title|headline|name|word|words|phrase|slogan|tagline|motto|hashtag|synonym|antonym|acronym|term|"
    r"one sentence|a sentence|single sentence|one line|single line|in short|briefly|short answer|yes or no|"
    r"true or false|rhyme|label|emoji|tweet|haiku|signature|declaration|header|in (?:\d+|one|two|three|four|five|"
    r"a few) words|\d+-word)\b",
    re.I,
)
_SHORT_OPENING = re.compile(r"\b(?:number|answer|categor\w*|classify|value|result|output)\b", re.I)
# Code that stops before its end: a bracket or a string left open, a trailing operator or keyword, a function or
# class header without a body, a SELECT without FROM.
_CODE_CUT_END = re.compile(
    r"(?:[,:({\[=+\-*\\&|]|\b(?:in|from|return|def|class|function|and|or|not|if|else|import|as|new|const|let|var|"
    r"where|select))$",
    re.I,
)
_CODE_HEADER = re.compile(r"^\s*(?:def|class|function|fn|func|public|private|protected|static|void)\b")
FRAGMENT_MAX_WORDS = 6
FRAGMENT_SIBLING_CHARS = 120  # similar instructions get answers this long (75th percentile) or longer...
FRAGMENT_SHORTER = 4  # ...and the response is at least 4 times shorter
_SIBLINGS_MIN = 5
# The ask opens the instruction or a clause after a persona ("You are a guide. Describe..."), never a question there.
_CLAUSE, _QUESTION_CLAUSE = re.compile(r"(?<=[.!?])\s+|,\s+|;\s+|\s+and\s+"), re.compile(r"^\W*(?:how|why)\b", re.I)


def _asks(instruction: str, pattern: re.Pattern[str]) -> bool:
    first, *rest = _CLAUSE.split(instruction[:400])
    return bool(pattern.search(first)) or any(pattern.search(c) and not _QUESTION_CLAUSE.match(c) for c in rest)


def is_open_instruction(prompt: str) -> bool:
    """Whether the prompt's first line asks to write, explain or make something (text, code, a plan)."""
    instruction = prompt.strip().split("\n", 1)[0]
    return _asks(instruction, _OPEN) or _asks(instruction, _MAKE)


def sibling_keys(prompt: str) -> tuple[str, str]:
    """The first three and the first two words of an instruction ("write a function", "write a"): instructions that
    open alike ask for alike things, and get answers of alike length."""
    words = re.findall(r"[a-z]+", prompt.strip().split("\n", 1)[0][:200].casefold())
    return " ".join(words[:3]), " ".join(words[:2])


def typical_lengths(pairs: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The 75th percentile of response length (characters) per instruction opening (:func:`sibling_keys`) that opens
    at least 5 prompts: a share of fragments up to a quarter of a group does not move it."""
    groups: dict[str, list[int]] = {}
    for prompt, response in pairs:
        for key in sibling_keys(prompt):
            groups.setdefault(key, []).append(len(response.strip()))
    typical = {}
    for key, lengths in groups.items():
        if len(lengths) >= _SIBLINGS_MIN:
            lengths.sort()
            typical[key] = float(lengths[min(len(lengths) - 1, int(0.75 * len(lengths)))])
    return typical


def _code_cut(text: str) -> bool:
    depth = sum(map(text.count, "([{")) - sum(map(text.count, ")]}"))
    if depth > 0 or text.count('"') % 2 or text.count("`") % 2 or _CODE_CUT_END.search(text):
        return True
    if _CODE_HEADER.match(text) and not re.search(r"[;{}]|:\s*\S|\bend$", text):
        return True
    return bool(re.match(r"\s*select\b", text, re.I)) and not re.search(r"\bfrom\b", text, re.I)


def _prose_cut(text: str) -> bool:
    if text.endswith((":", ",", ";", "-", "–")):
        return True
    words = re.findall(r"[A-Za-z']+", text)
    return bool(words) and text[-1].isalpha() and words[-1].casefold() in _DANGLING and not words[-1].isupper()


def fragment(prompt: str, response: str, typical: Mapping[str, float] | None = None) -> str | None:
    """Why a response of 1-6 words is a fragment rather than a short answer, or ``None``.

    A fragment stops unfinished (prose ending on "the", "with", a colon; code with a bracket left open or a header
    without a body), or answers an open instruction ("Explain...", "Describe...") in a few words, or answers an
    instruction to make something (text or code) at a quarter or less of the length that instructions opening alike
    get in the same data (``typical``: :func:`typical_lengths`). Instructions asking for something short (a title,
    a term, "in 3 words", a number), refusals, clarifying questions and complete code are not fragments.
    """
    text = response.strip()
    words = text.split()
    if not 1 <= len(words) <= FRAGMENT_MAX_WORDS or text.endswith("?") or refusal(text):
        return None
    instruction = prompt.strip().split("\n", 1)[0]
    if _SHORT_ANYWHERE.search(instruction) or _SHORT_OPENING.search(" ".join(instruction.split()[:5])):
        return None
    code = _CODE_CHARS.search(text)
    if len(words) >= 2 and (_code_cut(text) if code else _prose_cut(text)):
        return f"the answer stops unfinished: '{text[-40:]}'"
    if code:
        return None  # complete code: "mkdir test", "SELECT * FROM t;"
    opening = " ".join(instruction.split()[:6])
    if _asks(instruction, _OPEN) and not _BRIEF.search(prompt):
        return f"an open instruction answered in {len(words)} words: '{opening}'"
    if typical is None or not _asks(instruction, _MAKE):
        return None
    alpha = [w for w in (w.strip(".,;:!\"'") for w in words) if w.isalpha()]
    if len(alpha) < 2 or not any(w.islower() for w in alpha[1:]):
        return None  # a value, a name or a token ("e9gKyd2D", "New York"), not a piece of prose ("It seems")
    usual = next((typical[key] for key in sibling_keys(prompt) if key in typical), None)
    if usual is None or usual < FRAGMENT_SIBLING_CHARS or FRAGMENT_SHORTER * len(text) > usual:
        return None
    return f"{len(text)} characters where '{opening}' instructions get {usual:.0f}"


# Prompt-format markers: a template applied to the text before it reached the data, or a model's raw output.
ARTIFACTS: dict[str, re.Pattern[str]] = {
    "### Instruction/Response": re.compile(r"^\s*#{2,4}\s*(?:Instruction|Response|Input|Human|Assistant)\s*:", re.M | re.I),
    "<|im_start|>/<|im_end|>": re.compile(r"<\|im_(?:start|end)\|>"),
    "[INST]": re.compile(r"\[/?INST\]"),
    "<s>/</s>": re.compile(r"</?s>"),
    "<|endoftext|>": re.compile(r"<\|(?:endoftext|eot_id|start_header_id|end_header_id|begin_of_text|end)\|>"),
    "<start_of_turn>": re.compile(r"<(?:start|end)_of_turn>"),
    "Human:/Assistant: turns": re.compile(r"(?:^|\n\n)\s*(?:Human|Assistant|USER|ASSISTANT|### Human|### Assistant)\s*:\s*\S", re.M),
}
_FENCED = re.compile(r"(```|~~~)[\s\S]*?(?:\1|\Z)")
_ANY_ARTIFACT = re.compile("|".join(f"(?:{p.pattern})" for p in ARTIFACTS.values()), re.M | re.I)


def format_artifacts(text: str) -> list[str]:
    """The kinds of prompt-format marker in ``text`` outside code blocks and inline code."""
    if not _ANY_ARTIFACT.search(text):
        return []  # one pass over the text, the usual case
    if "`" in text or "~~~" in text:
        text = re.sub(r"`[^`\n]+`", " ", _FENCED.sub(" ", text))
    return [kind for kind, pattern in ARTIFACTS.items() if pattern.search(text)]


# A question: ends with '?', or opens with an interrogative or an imperative request.
_QUESTION_OPENING = re.compile(
    r"^\W*(?:what|why|how|who|whom|which|when|where|can|could|would|will|is|are|do|does|did|should|shall|may|"
    r"please|explain|describe|write|tell|give|list|name|generate|create|summari[sz]e|translate|find|help|make|"
    r"suggest|provide|calculate|compare|classify|identify|rewrite|edit)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """Whether a turn reads like a request: a question mark at its end, or an interrogative or imperative opening."""
    stripped = text.strip()
    return stripped.endswith(("?", "？")) or bool(_QUESTION_OPENING.match(stripped))


# How assistants open an answer (and users rarely open a request).
_ANSWER_OPENING = re.compile(
    r"^\W*(?:sure|certainly|of course|absolutely|here (?:is|are)|here's|i'm sorry|i apologi[sz]e|as an ai|"
    r"great question|hello! how can i|好的|当然|以下是|抱歉|对不起)\b",
    re.I,
)


def swapped_pair(user: str, assistant: str) -> bool:
    """Whether a user turn reads like the answer and the assistant turn after it like the request: the user turn
    is no request, is longer, and either the assistant turn is a request or the user turn opens like an answer."""
    if not user.strip() or not assistant.strip() or is_question(user) or len(user) <= 1.5 * len(assistant):
        return False
    return is_question(assistant) or bool(_ANSWER_OPENING.match(user))


__all__ = ["truncation", "refusal", "fragment", "typical_lengths", "sibling_keys", "is_open_instruction",
           "format_artifacts", "swapped_pair", "is_question", "prose"]
