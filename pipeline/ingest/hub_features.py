"""A saved dataset's column features applied to its raw Arrow values, so ingest reads what the columns mean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datasets import ClassLabel, Json, List


def hub_decoder(features: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A saved dataset's values as their features mean them: a ``ClassLabel`` id as its name (a label is its name,
    not its index), ``Json`` values parsed (ftprep's own ``hf`` export holds ``tools`` as a list of JSON objects)."""
    names = {key: f for key, f in features.items() if isinstance(f, ClassLabel)}
    parsed = [key for key, f in features.items() if isinstance(f, Json) or (isinstance(f, List) and isinstance(f.feature, Json))]
    if not names and not parsed:
        return lambda item: item

    def decode(item: dict[str, Any]) -> dict[str, Any]:
        item = dict(item)
        for key, label in names.items():
            if isinstance(item.get(key), int) and 0 <= item[key] < label.num_classes:
                item[key] = label.int2str(item[key])
        for key in parsed:
            if item.get(key) is not None:
                item[key] = features[key].decode_example(item[key]) if isinstance(features[key], Json) else [
                    features[key].feature.decode_example(v) for v in item[key]]
        return item

    return decode
