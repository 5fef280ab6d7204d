"""Tool (function) definitions of every chat dialect, read into OpenAI's ``tools`` form.

Accepted, as a list or as JSON text (LLaMA-Factory's ``tools`` column holds text):

- OpenAI ``[{"type": "function", "function": {"name", "description", "parameters"}}]``;
- bare functions ``[{"name", "description", "parameters"}]`` (LLaMA-Factory, OpenAI's legacy ``functions``);
- Gemini ``[{"functionDeclarations": [...]}]`` (schema types such as ``OBJECT`` read as JSON Schema's ``object``);
- Bedrock Converse ``{"tools": [{"toolSpec": {"name", "description", "inputSchema": {"json": ...}}}]}``.

Every definition needs a name, and no two may share one (a call names its function). A name must be one some
provider accepts (:data:`FUNCTION_NAME`: 1-64 letters, digits, ``_``, ``-``, ``.`` or ``:``); each target's export
then applies its own, narrower pattern (:data:`PROVIDER_NAMES`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.chat.errors import ChatRejected
from pipeline.chat.schema import canonical_json

FUNCTION_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
"""A function name any provider takes: the union of the patterns below (control characters, spaces, markup never)."""
PROVIDER_NAMES = {
    "openai": (re.compile(r"[A-Za-z0-9_-]{1,64}"), "1-64 letters, digits, _ or -"),
    "bedrock": (re.compile(r"[A-Za-z0-9_-]{1,64}"), "1-64 letters, digits, _ or -"),
    "vertex": (re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}"), "a letter or _, then up to 63 letters, digits, _ . : or -"),
}
"""Each provider's published pattern for function names: OpenAI's ``^[a-zA-Z0-9_-]{1,64}$``, Bedrock Converse's
``toolSpec.name`` (the same), Gemini's ``FunctionDeclaration.name``."""


def bad_function_name(name: str) -> str | None:
    """Why ``name`` is no function name any provider takes, or None when it is one."""
    if FUNCTION_NAME.fullmatch(name):
        return None
    return (f"function name {name[:80]!r} is not 1-64 letters, digits, _ - . or : (no provider takes it)")


_SCHEMA_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}


def read_tools(value: Any, column: str = "tools") -> tuple[str | None, list[str]]:
    """The definitions as canonical JSON text (None when there are none) and their function names."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (json.JSONDecodeError, RecursionError):
            raise ChatRejected("bad_tools", f"column '{column}' is text that is not JSON tool definitions") from None
    if isinstance(value, dict) and isinstance(value.get("tools"), list):
        value = value["tools"]  # Bedrock's toolConfig
    if not isinstance(value, list):
        raise ChatRejected("bad_tools", f"column '{column}' must be a list of tool definitions, got {type(value).__name__}")
    functions: list[dict[str, Any]] = []
    for number, entry in enumerate(value, start=1):
        functions += _functions(entry, number)
    if not functions:
        return None, []
    names = [f["name"] for f in functions]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ChatRejected("bad_tools", f"tools define {', '.join(map(repr, repeated))} more than once")
    try:  # NaN and Infinity: Python reads them, JSON (and every provider) does not
        json.dumps(functions, allow_nan=False)
    except ValueError:
        raise ChatRejected("bad_tools", f"column '{column}' holds NaN or Infinity, which JSON does not allow") from None
    return canonical_json([{"type": "function", "function": f} for f in functions]), names


def _functions(entry: Any, number: int) -> list[dict[str, Any]]:
    if not isinstance(entry, dict):
        raise ChatRejected("bad_tools", f"tool {number} is {type(entry).__name__}; expected an object")
    if entry.get("type") == "function" and isinstance(entry.get("function"), dict):
        found = [entry["function"]]
    elif entry.get("type") not in (None, "function"):
        raise ChatRejected("bad_tools", f"tool {number} has type {entry['type']!r}; only function tools are supported")
    elif isinstance(entry.get("functionDeclarations"), list):
        found = [_from_gemini(d) for d in entry["functionDeclarations"]]
    elif isinstance(entry.get("toolSpec"), dict):
        found = [_from_bedrock(entry["toolSpec"])]
    else:
        found = [entry]
    for function in found:
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"].strip():
            raise ChatRejected("bad_tools", f"tool {number} has a function without a name")
        if (why := bad_function_name(function["name"])) is not None:
            raise ChatRejected("bad_tools", f"tool {number}: {why}")
    return found


def _from_gemini(declaration: Any) -> Any:
    if not isinstance(declaration, dict):
        return declaration
    return {k: lower_schema_types(v) if k == "parameters" else v for k, v in declaration.items()}


def _from_bedrock(spec: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": spec.get("name")}
    if "description" in spec:
        function["description"] = spec["description"]
    schema = spec.get("inputSchema")
    if isinstance(schema, dict) and "json" in schema:
        function["parameters"] = schema["json"]
    return function


def lower_schema_types(schema: Any) -> Any:
    """A Gemini (OpenAPI subset) schema with its ``type`` names as JSON Schema writes them (``OBJECT`` -> ``object``)."""
    return _map_types(schema, lambda t: t.lower() if t in _SCHEMA_TYPES else t)


def upper_schema_types(schema: Any) -> Any:
    """A JSON Schema with its ``type`` names as Gemini's schema enum writes them (``object`` -> ``OBJECT``)."""
    return _map_types(schema, lambda t: t.upper() if t.upper() in _SCHEMA_TYPES else t)


def _map_types(schema: Any, rename: Any) -> Any:
    if isinstance(schema, list):
        return [_map_types(item, rename) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = rename(value)
        elif key == "properties" and isinstance(value, dict):  # property names are data, their schemas are not
            out[key] = {name: _map_types(item, rename) for name, item in value.items()}
        else:
            out[key] = _map_types(value, rename)
    return out
