"""Preference pairs as one line of each upload format.

- ``openai``: OpenAI's preference (DPO) fine-tuning line, ``{"input": {"messages": [...]}, "preferred_output":
  [assistant message], "non_preferred_output": [assistant message]}`` (the guide "Direct preference
  optimization"). A pair whose side is more than one assistant message cannot be one (the guide's sides hold one).
- ``generic``: ``{"prompt", "chosen", "rejected"}``, each a message list (TRL's conversational form).
- ``hf``: the same three columns as a ``datasets`` DatasetDict and Parquet (messages of ``role`` and ``content``),
  which TRL's ``DPOTrainer`` reads as it is.
- ``vertex``, ``bedrock``: not written; ftprep writes no preference format for them (every pair is reported
  ``skipped``).
"""

from __future__ import annotations

from typing import Any

from datasets import Features, Value

from pipeline.chat.schema import written_message
from pipeline.targets.convert import NotExportable

PAIR_FIELDS = ("prompt", "chosen", "rejected")
HF_FEATURES = Features({"id": Value("string"),
                        **{name: [{"role": Value("string"), "content": Value("string")}] for name in PAIR_FIELDS}})


def preference_example(row: dict[str, Any], target: str) -> dict[str, Any]:
    """One pair as a line of ``target``, or :class:`NotExportable` saying why it cannot be one."""
    if target == "openai":
        sides = {}
        for name, key in (("chosen", "preferred_output"), ("rejected", "non_preferred_output")):
            messages = row[name]
            if len(messages) != 1 or messages[0]["role"] != "assistant":
                raise NotExportable(f"the {name} answer is {len(messages)} messages; OpenAI's preference line holds "
                                    "one assistant message a side")
            sides[key] = [_plain(messages[0])]
        return {"input": {"messages": [_plain(m) for m in row["prompt"]]}, **sides}
    if target == "generic":
        return {name: [written_message(m) for m in row[name]] for name in PAIR_FIELDS}
    if target == "hf":  # measured as the export writes it (hf_rows)
        return {name: [_plain(m) for m in row[name]] for name in PAIR_FIELDS}
    raise NotExportable(f"ftprep writes no preference format for {target}")


def _plain(message: dict[str, Any]) -> dict[str, Any]:
    return {"role": message["role"], "content": message.get("content") or ""}


def hf_rows(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Columns of the ``hf`` export: id and the three message lists, messages as ``{role, content}``."""
    return {"id": [r["id"] for r in rows],
            **{name: [[_plain(m) for m in r[name]] for r in rows] for name in PAIR_FIELDS}}
