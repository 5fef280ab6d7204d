"""No credential or IBAN gets through a run: real slices with planted secrets go through the real CLI, then every
output file (splits, rejected.jsonl, exports, reports, manifest, JUnit) and the terminal are searched for them."""

from __future__ import annotations

import base64
import csv
import json
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.cli import cli
from pipeline.clean.pii import scan_pii
from tests.conftest import DATA


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Made-up values of the shapes real ones have (none of them is a live credential or account).
GITHUB = "ghp_Zq3xV9mK2pL7wR4tY8nB1cF6hJ0dG5sE3aUi"
AWS_KEY_ID = "AKIAQ3EGUMYK7ZPN4R2X"
AWS_SECRET = "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"
JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': '42', 'role': 'admin'})}.Zm9yZ2VkLXNpZ25hdHVyZS1ieXRlcw"
SLACK = "xoxb-2048203472-4097281934-Vb3QmN8rT2kLp9XzYw4Hs6Jd"
STRIPE = "sk_live_51HqLyjWDarjtT1zdp7dcXyZ"
GOOGLE = "AIzaSyB3xQ9mN2pL7kR4tV8wZ1cF6hJ0dG5sE3a"
IBAN = "DE89 3704 0044 0532 0130 00"
IBAN_COMPACT = IBAN.replace(" ", "")
# What is searched for: each secret, and the part of it that must not survive (an IBAN in either form).
NEEDLES = {
    "github": GITHUB, "aws_key_id": AWS_KEY_ID, "aws_secret": AWS_SECRET, "jwt": JWT.split(".")[1],
    "slack": SLACK, "stripe": STRIPE, "google": GOOGLE, "iban": IBAN_COMPACT, "iban_spaced": IBAN,
}  # fmt: skip


def _run(runner, tmp_path: Path, source: Path, *args: str):
    out = tmp_path / "out"
    result = runner.invoke(cli, ["run", str(source), "--out", str(out), "--junit", str(tmp_path / "junit.xml"), *args])
    return result, out


def _leaks(tmp_path: Path, result) -> list[str]:
    """Every (place, secret) where a planted secret shows: any file written under ``tmp_path`` but the inputs, and
    the terminal."""
    places = {"terminal": result.output + (result.stderr if result.stderr_bytes else "")}
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file() and path.parent.name != "in":
            places[str(path.relative_to(tmp_path))] = path.read_text(encoding="utf-8", errors="replace")
    found = []
    for place, text in places.items():
        # JSON may escape a "/" or write non-ASCII differently: look in the text and in its JSON-unescaped form
        variants = (text, text.replace("\\/", "/"))
        found += [f"{place}: {name}" for name, needle in NEEDLES.items() if any(needle in v for v in variants)]
    return found


def _glaive_with_secrets(tmp_path: Path, name: str = "glaive.json") -> Path:
    """Six real glaive tool-call conversations; the first's function definitions carry a GitHub token and an AWS
    key id (description and a parameter's default)."""
    rows = json.loads((DATA / "glaive_toolcall_30.json").read_text())[:6]
    tools = json.loads(rows[0]["tools"])
    tools[0]["description"] += f" (auth with token {GITHUB})"
    tools[0]["parameters"]["properties"]["ingredients"]["default"] = f"key {AWS_KEY_ID}"
    rows[0]["tools"] = json.dumps(tools)
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(rows, indent=1))
    return path


def _banking_rows(n: int = 120) -> list[dict[str, str]]:
    with open(DATA / "banking77_slice.csv", encoding="utf-8", newline="") as fh:
        return [{"id": f"b{i}", **row} for i, row in zip(range(n), csv.DictReader(fh))]


def _write_jsonl(tmp_path: Path, rows: list[dict], name: str = "tickets.jsonl") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_tokens_in_function_definitions_reach_no_output(runner, tmp_path):
    """Tokens in a chat's ``tools`` (a description, a parameter default) are redacted in the splits and the
    exports, and counted as found."""
    result, out = _run(runner, tmp_path, _glaive_with_secrets(tmp_path), "--target", "openai")
    assert result.exit_code in (0, 1), result.output
    assert list((out / "export").rglob("*.jsonl")), "the export was written"
    assert _leaks(tmp_path, result) == []
    records = [json.loads(line) for split in ("train", "val", "test") for line in (out / f"{split}.jsonl").open()]
    described = [r for r in records if "<SECRET>" in json.dumps(r.get("tools"))]
    assert len(described) == 1 and "(auth with token <SECRET>)" in described[0]["tools"][0]["function"]["description"]
    found = json.loads((out / "report.json").read_text())["cleaning"]["pii"]
    assert "github_token" in json.dumps(found) and "aws_access_key" in json.dumps(found)


def test_a_token_in_an_id_is_replaced(runner, tmp_path):
    """An input id holding a token is written with the token replaced (still unique), everywhere."""
    rows = _banking_rows()
    rows[3]["id"] = f"ticket-{GITHUB}"
    rows[4]["id"] = GITHUB
    rows[5]["id"] = GITHUB  # a repeat: ids stay unique
    result, out = _run(runner, tmp_path, _write_jsonl(tmp_path, rows))
    assert _leaks(tmp_path, result) == []
    ids = [json.loads(line)["id"] for split in ("train", "val", "test") for line in (out / f"{split}.jsonl").open()]
    assert {"ticket-<SECRET>", "<SECRET>", "<SECRET>-2"} <= set(ids) and len(ids) == len(set(ids))


def test_a_row_rejected_for_pii_keeps_its_content_not_its_secret(runner, tmp_path):
    """``--pii reject``: the row is in rejected.jsonl with its original text, the key replaced in ``raw``."""
    rows = _banking_rows()
    rows[7]["text"] = f"my key is {AWS_KEY_ID} and secret_access_key={AWS_SECRET}, why is my card blocked?"
    result, out = _run(runner, tmp_path, _write_jsonl(tmp_path, rows), "--pii", "reject")
    assert _leaks(tmp_path, result) == []
    (line,) = [json.loads(line) for line in (out / "rejected.jsonl").open() if json.loads(line)["reason"] == "pii"]
    assert line["raw"]["text"] == "my key is <SECRET> and secret_access_key=<SECRET>, why is my card blocked?"
    assert line["id"] == "b7" and "aws_access_key" in line["detail"] and "aws_secret_key" in line["detail"]


def test_a_secret_in_the_system_prompt_is_refused_naming_its_kind(runner, tmp_path):
    """``[target] system_prompt`` is copied into every export: a credential in it stops the run (exit 2) with the
    kind named and the value not shown; a support address in it is fine."""
    source = _write_jsonl(tmp_path, _banking_rows())
    config = source.parent / "ftprep.toml"
    config.write_text(f'[target]\nname = "openai"\nsystem_prompt = "You are a bank assistant. Stripe key: {STRIPE}"\n')
    result, out = _run(runner, tmp_path, source, "--config", str(config))
    assert result.exit_code == 2
    assert "system_prompt holds stripe_key" in result.output
    assert _leaks(tmp_path, result) == [] and not out.exists()
    config.write_text('[target]\nname = "openai"\nsystem_prompt = "You are a bank assistant; escalate to help@bank.example"\n')
    assert _run(runner, tmp_path, source, "--config", str(config))[0].exit_code in (0, 1)


@pytest.mark.parametrize(
    "planted",
    [f"Bearer {JWT}", f"SLACK_TOKEN={SLACK}", f"stripe.api_key = '{STRIPE}'", f"maps?key={GOOGLE}",
     f"aws_secret_access_key = {AWS_SECRET}", f"my IBAN is {IBAN}", f"IBAN:{IBAN_COMPACT}"],
    ids=["jwt", "slack", "stripe", "google", "aws_secret", "iban", "iban_compact"],
)
def test_each_kind_of_secret_is_redacted_everywhere(runner, tmp_path, planted):
    """Each kind in a text is redacted in the splits; rows rejected for another reason (a duplicate) keep their
    text in rejected.jsonl without it."""
    rows = _banking_rows()
    rows[9]["text"] = f"Please help, {planted}, my transfer failed"
    rows[10] = {**rows[9], "id": "again"}  # an exact duplicate: rejected with its raw content
    result, out = _run(runner, tmp_path, _write_jsonl(tmp_path, rows))
    assert _leaks(tmp_path, result) == []
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").open()]
    assert any(r["reason"] == "duplicate_exact" and ("<SECRET>" in r["raw"]["text"] or "<IBAN>" in r["raw"]["text"])
               for r in rejected)


def test_a_secret_label_is_rejected_and_shown_nowhere(runner, tmp_path):
    """A JWT as a label: the row is rejected (a label cannot be redacted), and the label is in no report and not on
    the terminal."""
    rows = _banking_rows()
    rows[11]["category"] = JWT
    result, out = _run(runner, tmp_path, _write_jsonl(tmp_path, rows))
    assert _leaks(tmp_path, result) == []
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").open()]
    assert [r["raw"]["category"] for r in rejected if r["reason"] == "pii"] == ["<SECRET>"]


def test_a_secret_in_an_input_file_name_is_replaced(runner, tmp_path):
    """A token in an input's name: ``meta.source_file``, rejections, the reports and the manifest name the file
    with the token replaced; the file is still read and hashed."""
    source = _glaive_with_secrets(tmp_path, name=f"dump-{GITHUB}.json")
    result, out = _run(runner, tmp_path, source)
    assert result.exit_code in (0, 1), result.output
    assert _leaks(tmp_path, result) == []
    shown = str(source.parent / "dump-<SECRET>.json")
    (first,) = [json.loads(line) for line in (out / "train.jsonl").open()][:1]
    assert first["meta"]["source_file"] == shown
    manifest = json.loads((out / "manifest.json").read_text())
    assert [entry["path"] for entry in manifest["inputs"]] == [shown] and len(manifest["inputs"][0]["sha256"]) == 64
    report = json.loads((out / "report.json").read_text())
    assert list(report["counts"]["per_file"]) == [shown] and report["counts"]["per_file"][shown]["train"] > 0


@pytest.mark.parametrize("name", ["alpaca_en_demo_code_letters.json", "glaive_toolcall_30.json", "alpaca_200_quality.json"])
def test_clean_code_and_tool_calls_hold_no_secret(name):
    """Real code answers (API_KEY placeholders, hashes, hex colours, base64, URLs) and tool calls: no credential or
    IBAN is found in any of their texts."""
    texts = []

    def collect(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(json.loads((DATA / name).read_text()))
    assert len(texts) >= 15
    assert [t[:80] for t in texts if scan_pii(t, ("secret", "iban")).found] == []


def test_function_definitions_that_make_clean_raise_quarantine_only_their_row(tmp_path):
    """A row whose ``tools`` cannot be parsed is rejected as stage_error; its batch's other rows keep their tools,
    redacted where they held a token."""
    from pipeline.clean.config import CleanConfig
    from pipeline.clean.marking import STAGE_ERROR, marked_columns
    from pipeline.clean.stage import marked_features
    from pipeline.core.records import REJECT_COLUMN, Task
    from pipeline.ingest.config import InputConfig
    from pipeline.ingest.stage import read_records

    records = read_records([str(_glaive_with_secrets(tmp_path))], InputConfig()).kept
    table = records.data.table
    tools = table["tools"].to_pylist()
    table = table.set_column(table.column_names.index("tools"), "tools", pa.array([tools[0], "{not json", *tools[2:]]))
    schema = marked_features(records.features).arrow_schema
    out = marked_columns(table, Task.CHAT, CleanConfig(), schema)
    assert out[REJECT_COLUMN].to_pylist()[:3] == [None, STAGE_ERROR, None]
    assert out["tools"][1].as_py() == "{not json"
    assert GITHUB not in out["tools"][0].as_py() and "<SECRET>" in out["tools"][0].as_py()
    assert out["tools"].to_pylist()[2:] == tools[2:]


def test_every_kind_in_a_definition_value_is_found_behind_the_joined_scan():
    """The one scan of a definition's joined values misses nothing a value-by-value scan finds: each kind of finding
    (tests/clean/test_pii.py's cases), next to an id word in the value before, is redacted."""
    from pipeline.clean.config import CleanConfig
    from pipeline.clean.marking import _redact_tools
    from tests.clean.test_pii import TRUE_POSITIVES

    for text, redacted, kind in [*TRUE_POSITIVES, ("09061701461", "<PHONE>", "phone"), ("1.2.3.4", "<IP_ADDRESS>", "ip_address")]:
        context = "version" if kind == "ip_address" else "order no."  # words that spare a number right after them
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"enum": [context, text, context]}}}]
        cleaned, found = _redact_tools(json.dumps(tools), CleanConfig(pii_keep_examples=False), None)
        assert found[kind] >= 1, text
        assert json.loads(cleaned)[0]["function"]["parameters"]["enum"] == [context, redacted, context]


def test_a_label_conflict_listed_for_review_shows_no_secret(runner, tmp_path):
    """One text under two labels is rejected as a label conflict and listed in the review files, with the
    credential in its text replaced there as in rejected.jsonl."""
    rows = _banking_rows()
    rows[12]["text"] = rows[13]["text"] = f"card declined, my token is {GITHUB}"
    rows[13]["category"] = "declined_transfer" if rows[12]["category"] != "declined_transfer" else "card_arrival"
    result, out = _run(runner, tmp_path, _write_jsonl(tmp_path, rows))
    reasons = [json.loads(line)["reason"] for line in (out / "rejected.jsonl").open()]
    assert "label_conflict" in reasons, reasons
    assert sorted(p.name for p in out.iterdir() if "review" in p.name), "the review files were written"
    assert _leaks(tmp_path, result) == []
