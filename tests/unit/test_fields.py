"""Every field path the readers share names a field the mention mapping holds, so a typo
here cannot make a figure, an alert or a dashboard silently count nothing."""

from __future__ import annotations

from earshot.store import fields
from earshot.store.indices import MENTION_MAPPING


def mapped(path: str) -> dict | None:
    node: dict | None = MENTION_MAPPING
    for part in path.split("."):
        node = (node or {}).get("properties", {}).get(part)
    return node


def test_every_shared_field_path_is_in_the_mention_mapping():
    paths = {
        name: value
        for name, value in vars(fields).items()
        if name.isupper() and isinstance(value, str)
    }
    assert paths, "store.fields names no field paths"
    assert {name: path for name, path in paths.items() if mapped(path) is None} == {}
