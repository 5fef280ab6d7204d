"""Each target's published limits, per model, each with the public source it was read from and the date it was read.

A limit that could not be confirmed in a first-party source says so (``confirmed=False``) and is either left out
(``None``: not checked) or kept with a note saying where it comes from. docs/targets.md lists the same limits with
the same sources; ``[target] max_tokens`` and ``model`` override or pick them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

READ_ON = "2026-11-30"
"""When the sources below were read (through stored copies of the pages; see docs/targets.md)."""
REREAD_ON = "2026-12-07"
"""When AWS's validators, the cookbook's token count and Bedrock's other formats were read (their sources say so)."""

TARGET_NAMES = ("generic", "openai", "vertex", "bedrock", "hf")


@dataclass(frozen=True)
class Source:
    """Where a limit comes from: the page, what it says, whether it is first-party and confirmed."""

    url: str
    says: str
    confirmed: bool = True
    read_on: str = READ_ON


@dataclass(frozen=True)
class ModelLimits:
    """The limits of one model's fine-tuning data (None: no published limit, not checked).

    Args:
        min_examples, max_examples: bounds on training examples; ``recommended_examples``: fewer warns.
        max_val_examples: the most validation examples.
        max_tokens: tokens per example (training context); longer examples are truncated or refused.
        max_file_bytes: the largest upload file.
        tools: whether tool definitions and calls may be trained on.
        upload: the upload format, where a target has several (Bedrock: ``nova`` conversation schema, ``claude``
            messages, ``prompt_completion``).
    """

    min_examples: int | None = None
    recommended_examples: int | None = None
    max_examples: int | None = None
    max_val_examples: int | None = None
    max_tokens: int | None = None
    max_file_bytes: int | None = None
    tools: bool = True
    upload: str = "nova"


@dataclass(frozen=True)
class TargetSpec:
    """A target: its upload format, models, role rules, forbidden strings, training heuristics and sources.

    Args:
        roles: ``gemini`` (user/model turns alternate, tool results in user turns), ``bedrock`` (starts with the
            user and alternates user/assistant), or None (no rule beyond ingest's).
        forbidden: strings that must not appear in content; ``forbidden_fails`` makes one a failure (the
            provider refuses the job), else a warning; ``case_insensitive`` as the provider matches them;
            ``forbidden_roles`` the messages they are looked for in (None: every message); ``forbidden_in_json``
            whether they are looked for in JSON the upload holds as data, not text (tool call arguments, tool results
            written as objects): AWS's validators read only text blocks.
        weights: whether the format keeps per-message ``weight``.
        message_overhead: tokens the format adds per message and per example (billing estimate).
        token_method: how an example's tokens are counted: ``content`` (the texts and tools, plus the overhead) or
            ``openai_cookbook`` (OpenAI's cookbook: also each message's role, as its ``num_tokens_from_messages``
            encodes every value of a message).
        epochs: ``openai`` (OpenAI's auto heuristic) or a fixed default; ``epoch_bounds`` the allowed range.
    """

    name: str
    upload_format: str
    default_model: str
    models: dict[str, ModelLimits]
    sources: dict[str, Source]
    roles: str | None = None
    forbidden: tuple[str, ...] = ()
    forbidden_fails: bool = False
    case_insensitive: bool = False
    forbidden_roles: tuple[str, ...] | None = None
    forbidden_in_json: bool = True
    weights: bool = False
    message_overhead: tuple[int, int] = (0, 0)
    token_method: str = "content"
    epochs: str | int = 3
    epoch_bounds: tuple[int, int] | None = None
    extra: dict[str, str] = field(default_factory=dict)


_MB = 1_000_000
_GB = 1_000_000_000
TIKTOKEN_SPECIAL = ("<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>")
CHATML = ("<|im_start|>", "<|im_end|>")
TEMPLATE_MARKERS = (*TIKTOKEN_SPECIAL, *CHATML, "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                    "<|eot_id|>", "<start_of_turn>", "<end_of_turn>", "[INST]", "[/INST]")
NOVA_RESERVED = ("System:", "User:", "Bot:", "Assistant:", "Thought:", "[EOS]", "<image>", "<video>", "<unk>")
"""AWS's reserved keywords for Nova fine-tuning data, matched in any case in every text the upload holds: the union
of AWS's two published validators (see ``_NOVA_VALIDATOR`` and ``_NOVA_SDK``)."""

_OPENAI_GUIDE = "https://platform.openai.com/docs/guides/fine-tuning"
_COOKBOOK = "https://github.com/openai/openai-cookbook/blob/main/examples/Chat_finetuning_data_prep.ipynb"
_VERTEX_LIMITS = "https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning"
_VERTEX_DATA = "https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning-prepare"
_VERTEX_TOOLS = "https://cloud.google.com/vertex-ai/generative-ai/docs/models/tune-function-calling"
_VERTEX_API = "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/tuning"
_NOVA_DATA = "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html"
_NOVA_VALIDATOR = ("https://github.com/aws-samples/amazon-nova-samples/blob/main/customization/bedrock-finetuning/"
                   "understanding/dataset_validation/nova_ft_dataset_validator.py")
NOVA_VALIDATOR_COMMIT = "8c768753be0f9c9d79a762a2458c497fd47df594"
NOVA_SDK_COMMIT = "6ed1f5915e3cc9e44876f299eaa84a6d86f890f2"
_NOVA_SDK = ("https://github.com/aws/nova-customization-sdk/blob/main/src/amzn_nova_forge/dataset/dataset_validator/"
             "dataset_validator.py")
_NOVA_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html"
_NOVA2 = "https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html"
_BEDROCK_PREPARE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html"
_CLAUDE_BEDROCK = "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock"
_HF_ARGS = "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments"
_TIKTOKEN = "https://github.com/openai/tiktoken/blob/main/tiktoken_ext/openai_public.py"

OPENAI = TargetSpec(
    name="openai",
    upload_format="OpenAI chat fine-tuning JSONL: {messages, tools, parallel_tool_calls}",
    default_model="gpt-4o-mini-2024-07-18",
    models={
        "gpt-4o-mini-2024-07-18": ModelLimits(min_examples=10, recommended_examples=50, max_tokens=65_536,
                                              max_file_bytes=512 * _MB),
        "gpt-3.5-turbo-0125": ModelLimits(min_examples=10, recommended_examples=50, max_tokens=16_385,
                                          max_file_bytes=512 * _MB),
    },
    sources={
        "min_examples": Source(_OPENAI_GUIDE, "a fine-tuning job needs at least 10 examples; clear improvements "
                               "are usually seen from 50 to 100 (the guide itself could not be opened here: read "
                               "through OpenAI's community forum, community.openai.com/t/762836, which states the "
                               "minimum of 10)"),
        "max_tokens": Source(_OPENAI_GUIDE, "training examples are limited to 65,536 tokens for gpt-4o-mini-2024-07-18 "
                             "and 16,385 for gpt-3.5-turbo-0125; longer examples are truncated (OpenAI's page could not "
                             "be opened here: 65,536 read in Microsoft's Azure OpenAI fine-tuning model table, "
                             "'Training example context length: 65,536'; 16,385 in openai-cookbook PR #1178)"),
        "max_file_bytes": Source("https://platform.openai.com/docs/api-reference/files/create",
                                 "individual files can be up to 512 MB (not confirmed in a first-party source here: "
                                 "read only in third-party guides)", confirmed=False),
        "format": Source("https://platform.openai.com/docs/api-reference/fine-tuning/chat-input",
                         "each line: messages, optional tools and parallel_tool_calls; assistant messages may carry "
                         "tool_calls and weight (0 or 1)"),
        "epochs": Source(_COOKBOOK, "default epochs: 3, raised to reach 100 example-passes (at most 25 epochs) for "
                         "small sets and lowered to stay under 25,000 for large ones (at least 1)"),
        "message_overhead": Source(_COOKBOOK, "num_tokens_from_messages: 3 tokens per message plus the tokens of "
                                   "each of its values (role and content; a name adds 1 more), and 3 per example "
                                   "for the reply's priming (the notebook calls the count an estimate)",
                                   read_on=REREAD_ON),
        "forbidden": Source(_TIKTOKEN, "special tokens of OpenAI's encodings (<|endoftext|>, <|fim_*|>, "
                            "<|endofprompt|>), plus ChatML's <|im_start|>/<|im_end|>; tiktoken refuses text that "
                            "spells them unless allowed. Whether the fine-tuning API refuses or escapes them is not "
                            "documented", confirmed=False),
    },
    forbidden=(*TIKTOKEN_SPECIAL, *CHATML),
    weights=True,
    message_overhead=(3, 3),
    token_method="openai_cookbook",
    epochs="openai",
    epoch_bounds=(1, 25),
)

VERTEX = TargetSpec(
    name="vertex",
    upload_format="Vertex AI Gemini supervised tuning JSONL: {systemInstruction, contents: [{role, parts}], tools}",
    default_model="gemini-2.5-flash",
    models={
        name: ModelLimits(recommended_examples=100, max_examples=1_000_000, max_val_examples=5000,
                          max_tokens=131_072, max_file_bytes=_GB)
        for name in ("gemini-2.5-flash", "gemini-2.5-flash-lite")
    },
    sources={
        "recommended_examples": Source(_VERTEX_DATA, "we recommend that you start with 100 examples; no minimum "
                                       "is published"),
        "max_examples": Source(_VERTEX_LIMITS, "Gemini 2.5 Flash and Flash-Lite: maximum training dataset size "
                               "1M text-only examples"),
        "max_val_examples": Source(_VERTEX_LIMITS, "maximum validation dataset size: 5000 examples"),
        "max_tokens": Source(_VERTEX_LIMITS, "maximum input and output training tokens: 131,072"),
        "max_file_bytes": Source(_VERTEX_LIMITS, "maximum training dataset file size: 1GB for JSONL"),
        "format": Source(_VERTEX_DATA, "each line: systemInstruction, contents of {role: user|model, parts}; "
                         "tools with functionDeclarations"),
        "tools": Source(_VERTEX_TOOLS, "function-calling tuning examples: functionCall parts in model turns, "
                        "functionResponse parts in the following turn (the example gives that turn no role)"),
        "roles": Source(_VERTEX_DATA, "role is user or model; turns alternate user/model and end on the model's "
                        "turn (the alternation is how the examples are built; a first-party sentence stating it was "
                        "not found)", confirmed=False),
        "epochs": Source(_VERTEX_API, "epoch_count: Vertex AI sets the default from the training dataset size "
                         "(formula not published); ftprep shows OpenAI's heuristic as a stand-in", confirmed=False),
    },
    roles="gemini",
    epochs="openai",
)

BEDROCK = TargetSpec(
    name="bedrock",
    upload_format="Amazon Bedrock conversation JSONL (bedrock-conversation-2024, Nova models): "
                  "{schemaVersion, system, messages: [{role, content: [blocks]}], toolConfig}",
    default_model="nova-lite",
    models={
        **{name: ModelLimits(min_examples=8, recommended_examples=100, max_examples=20_000)
           for name in ("nova-micro", "nova-lite", "nova-pro")},
        "nova-2-lite": ModelLimits(min_examples=200, recommended_examples=200, max_examples=20_000, tools=False),
        # Bedrock's other text fine-tuning formats: no limit confirmed first-hand, so none is checked
        "claude-3-haiku": ModelLimits(tools=False, upload="claude"),
        "llama-3.1-8b-instruct": ModelLimits(tools=False, upload="prompt_completion"),
        "llama-3.1-70b-instruct": ModelLimits(tools=False, upload="prompt_completion"),
    },
    sources={
        "min_examples": Source(_NOVA_VALIDATOR, "AWS's Nova dataset validator: 8 to 20,000 samples for Nova Micro, "
                               "Lite and Pro 1.0; 200 to 20,000 for Nova 2.0 Lite SFT (its MODEL_TO_NUM_SAMPLES_MAP and "
                               "NOVA_2_0_LITE_SAMPLE_BOUNDS, read as quoted in another repository: the script itself "
                               "was not opened)", confirmed=False),
        "recommended_examples": Source(_NOVA_DATA, "we recommend at least 100 samples per task"),
        "max_tokens": Source(_NOVA_DATA, "no per-example token limit for fine-tuning found in the data guide; "
                             "set [target] max_tokens = {bedrock = N} to check one", confirmed=False),
        "max_file_bytes": Source(_NOVA_DATA, "no file size limit found; not checked", confirmed=False),
        "roles": Source(_NOVA_DATA, "roles are user and assistant; the first turn is the user's, the last the "
                        "assistant's; the validator requires user/assistant alternation"),
        "forbidden": Source(_NOVA_VALIDATOR, "reserved keywords fail the job when any text of the upload holds them: "
                            "AWS's Nova SDK validator (aws/nova-customization-sdk @6ed1f59, check_forbidden_keywords) "
                            "matches Bot:, User:, Assistant:, [EOS], <image>, <video> in any case, as substrings, in the "
                            "system prompt, every message's text and tool results' text; the aws-samples validator "
                            "(nova_ft_dataset_validator.py @8c76875, INVALID_TOKENS_TEXT) also lists System:, Thought: "
                            "and <unk> (as written and in capitals) in the system prompt and every message's text. "
                            "ftprep matches the union in any case; that System:, Thought: and <unk> are refused in other "
                            "cases (system:) is not confirmed", read_on=REREAD_ON),
        "tools": Source(_NOVA2, "Nova 2.0 SFT does not support tool use (tool sections may fail the job); the Nova 1.0 "
                        "validator accepts toolConfig, toolUse and toolResult blocks"),
        "epochs": Source(_NOVA_HP, "epochCount 1 to 5, default 2 (larger sets need fewer epochs)"),
        "claude_format": Source(_CLAUDE_BEDROCK, "Claude 3 Haiku on Bedrock: each line {system (optional string), "
                                "messages: [{role: user|assistant, content: string}]}, at least two messages, opening "
                                "with the user, ending with the assistant, alternating, no other keys (Anthropic's "
                                "cookbook; AWS's data guide lists Claude 3 among the conversational models). Its "
                                "record and token limits were not found first-hand: not checked", confirmed=False,
                                read_on=REREAD_ON),
        "prompt_completion_format": Source(_BEDROCK_PREPARE, "Meta Llama 3.1 8B and 70B Instruct are Bedrock's "
                                           "non-conversational text models: each line {prompt, completion} (the "
                                           "field names read in second-hand guides; the AWS page's example was not "
                                           "retrievable); one user turn and one answer, no system prompt. Limits "
                                           "not found first-hand: not checked", confirmed=False,
                                           read_on=REREAD_ON),
    },
    roles="bedrock",
    forbidden=NOVA_RESERVED,
    forbidden_fails=True,
    case_insensitive=True,
    forbidden_in_json=False,
    epochs=2,
    epoch_bounds=(1, 5),
)

_LOCAL_SOURCES = {
    "epochs": Source(_HF_ARGS, "TrainingArguments.num_train_epochs defaults to 3"),
    "forbidden": Source(_TIKTOKEN, "control tokens of common chat templates (OpenAI's special tokens, ChatML, "
                        "Llama 3, Gemma, Mistral [INST]): text spelling one can be read as the control token by a "
                        "tokenizer that does not escape it; a heuristic, not a provider limit", confirmed=False),
    "max_tokens": Source(_HF_ARGS, "no limit of its own: the model's context, set [target] max_tokens = "
                         "{hf = N} to check it", confirmed=False),
}
GENERIC = TargetSpec(name="generic", upload_format="JSON Lines of the task fields (no id, no meta)",
                     default_model="any", models={"any": ModelLimits()}, sources=_LOCAL_SOURCES,
                     forbidden=TEMPLATE_MARKERS, weights=True)
HF = TargetSpec(name="hf", upload_format="datasets DatasetDict.save_to_disk directory and one Parquet file per split",
                default_model="any", models={"any": ModelLimits()}, sources=_LOCAL_SOURCES,
                forbidden=TEMPLATE_MARKERS, weights=True)

TARGETS: dict[str, TargetSpec] = {spec.name: spec for spec in (GENERIC, OPENAI, VERTEX, BEDROCK, HF)}

UPLOAD_FORMATS = {
    "claude": "Amazon Bedrock Claude 3 Haiku fine-tuning JSONL: {system, messages: [{role, content}]}",
    "prompt_completion": "Amazon Bedrock text-to-text fine-tuning JSONL: {prompt, completion}",
}


def spec_for(target: str, model: str) -> TargetSpec:
    """The target's spec as it applies to ``model``: a Bedrock model outside Nova has its own upload format, and
    Nova's reserved keywords and epoch range do not apply to it (its epochs: OpenAI's heuristic as a stand-in)."""
    spec = TARGETS[target]
    upload = spec.models[model].upload
    if upload not in UPLOAD_FORMATS:
        return spec
    return dataclasses.replace(spec, upload_format=UPLOAD_FORMATS[upload], forbidden=(), forbidden_fails=False,
                               case_insensitive=False, epochs="openai", epoch_bounds=None)
