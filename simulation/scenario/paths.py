"""Dotted keys: the one way a key of a scenario, a sweep file or a run's summary is named, read, set,
walked and found in its file.

A `Key` is a tuple of parts, written with dots: `labs.deepseek.research_share`. Entries of a list of
tables are named by their `id` (`regulators.bis.rules.oct2022.enforcement`), as in `--set` and
sweep files. The same key reads a value from a validated scenario (`get`), sets one in raw TOML data
before validation (`set`, checked against the schema), and finds the line of the file that sets it
(`find_line`), so every error names the file, the line and the key a user wrote.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from simulation.scenario.errors import closest

# pydantic's name for the member of a discriminated union, which a user never writes: {kind: model}
UnionTags = dict[str, type[BaseModel]]


@dataclass(frozen=True)
class Key:
    """A dotted key, as parts; `str(key)` writes it with dots."""

    parts: tuple[str, ...]

    @classmethod
    def parse(cls, dotted: str) -> Key:
        return cls(tuple(dotted.split("."))) if dotted else cls(())

    @classmethod
    def from_loc(cls, loc: tuple[Any, ...], data: Any, tags: UnionTags | None = None) -> Key:
        """A pydantic error location in `data` as a key: list positions become the entry's id, and
        the tag pydantic adds for a discriminated union's member is dropped."""
        parts: list[str] = []
        node = data
        for part in loc:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                parts.append(str(node.get("id", part)) if isinstance(node, dict) else str(part))
            elif isinstance(part, str) and tags and part in tags and not (isinstance(node, dict) and part in node):
                continue
            elif isinstance(part, str) and isinstance(node, dict):
                node = node.get(part)
                parts.append(part)
            else:
                parts.append(str(part))
                node = None
        return cls(tuple(parts))

    def __str__(self) -> str:
        return ".".join(self.parts)

    @property
    def name(self) -> str:
        return self.parts[-1]

    @property
    def parent(self) -> Key:
        return Key(self.parts[:-1])

    def child(self, part: str) -> Key:
        return Key((*self.parts, part))

    def sibling(self, name: str) -> Key:
        """The key of another field of the same table (`events.x.date` -> `events.x.attention_date`)."""
        return self.parent.child(name)

    # -- reading a value ------------------------------------------------------------------------------

    def get(self, obj: Any) -> Any:
        """The value at this key in a pydantic model, a dict or a list of entries with ids.
        KeyError, naming the closest key, if there is none."""
        for i, part in enumerate(self.parts):
            obj = _step(obj, part, Key(self.parts[:i]))
        return obj

    def resolve(self, obj: Any) -> tuple[Any, str]:
        """The object that holds this key's value, and the value's name in it."""
        owner = self.parent.get(obj)
        _step(owner, self.name, self.parent)  # the last part exists too
        return owner, self.name

    # -- setting a value in raw data, checked against the schema ------------------------------------

    def set(self, data: dict[str, Any], value: Any, schema: type[BaseModel], tags: UnionTags | None = None) -> None:
        """Set this key in raw (unvalidated) data; KeyError naming the closest valid key if the schema
        has no such key. Tables that do not exist yet are created."""
        tags = tags or {}
        model: Any = schema
        node: Any = data
        for i, part in enumerate(self.parts):
            last = i == len(self.parts) - 1
            if isinstance(node, list):
                ids = [item.get("id") for item in node]
                if part not in ids:
                    raise KeyError(closest(part, ids, "entry"))
                node = node[ids.index(part)]
                if isinstance(node, dict) and node.get("kind") in tags:
                    model = tags[node["kind"]]
                if last:
                    example = f"{self}.{next(iter(model.model_fields))}"
                    raise KeyError(f"names a whole entry; add a field, for example {example}")
                continue
            fields = list(model.model_fields) if isinstance(model, type) else None
            if fields is not None and part not in fields:
                raise KeyError(closest(part, fields, "key"))
            annotation = model.model_fields[part].annotation if fields is not None else None
            if last:
                node[part] = value
                return
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
            model = model_of(annotation) if annotation is not None else None
            if isinstance(model, type) and get_origin(annotation) is dict:
                model = None


TOP = Key(())  # the key of a whole file or model


def _step(node: Any, part: str, where: Key) -> Any:
    under = f" under '{where}'" if where.parts else ""
    if isinstance(node, BaseModel):
        if part not in type(node).model_fields:
            raise KeyError(closest(part, type(node).model_fields, "key") + under)
        return getattr(node, part)
    if isinstance(node, dict):
        if part not in node:
            raise KeyError(closest(part, node, "key") + under)
        return node[part]
    if isinstance(node, list):
        ids = [item.get("id") if isinstance(item, dict) else getattr(item, "id", None) for item in node]
        if part not in ids:
            raise KeyError(closest(part, ids, "entry") + under)
        return node[ids.index(part)]
    raise KeyError(f"'{where}' is a value, with no key '{part}' below it")


# ---------------------------------------------------------------- the schema


def model_of(annotation: Any) -> Any:
    """The pydantic model inside an annotation such as list[Lab] or Tech | None (None if there is none)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def fields_at(loc: tuple[Any, ...], data: Any, schema: type[BaseModel], tags: UnionTags | None = None) -> list[str]:
    """Field names of the schema model at a pydantic location in `data`, for suggestions."""
    tags = tags or {}
    model: Any = schema
    node = data
    for part in loc:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if part in tags:
            model = tags[part]
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        node = node.get(part) if isinstance(node, dict) else None
        model = model_of(field.annotation) if field else None
        if isinstance(node, dict) and node.get("kind") in tags:
            model = tags[node["kind"]]
    return sorted(model.model_fields) if isinstance(model, type) else []


def raw_leaves(data: Any, model: Any, tags: UnionTags, prefix: Key = TOP) -> Iterator[tuple[Key, Any, Any]]:
    """(key, value, the schema's annotation for it) of each value of raw (unvalidated) data that the
    schema has a field for, walking tables and entries of lists of tables (named by their id)."""
    for name, value in data.items():
        field = model.model_fields.get(name) if isinstance(model, type) else None
        if field is None:
            continue
        key, inner = prefix.child(name), model_of(field.annotation)
        if isinstance(value, dict) and inner is not None and get_origin(field.annotation) is not dict:
            yield from raw_leaves(value, inner, tags, key)
        elif isinstance(value, list) and inner is not None and all(isinstance(v, dict) for v in value):
            for item in value:
                yield from raw_leaves(item, tags.get(item.get("kind"), inner), tags, key.child(str(item.get("id"))))
        else:
            yield key, value, field.annotation


def leaves(obj: BaseModel, prefix: Key = TOP) -> Iterator[tuple[Key, BaseModel, str]]:
    """Every field of a model that is not itself a model, as (key, the model holding it, field name);
    tables are walked into and entries of lists of tables named by their id."""
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        key = prefix.child(name)
        if isinstance(value, BaseModel):
            yield from leaves(value, key)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for item in value:
                yield from leaves(item, key.child(item.id))
        else:
            yield key, obj, name


def flat(tree: dict[str, Any], leaf: Callable[[Any], bool], prefix: Key = TOP) -> dict[str, Any]:
    """A nested dict as {dotted key: value}, down to the values `leaf` accepts."""
    out: dict[str, Any] = {}
    for name, value in tree.items():
        key = prefix.child(name)
        if leaf(value):
            out[str(key)] = value
        else:
            out.update(flat(value, leaf, key))
    return out


# ---------------------------------------------------------------- keys in a TOML file

_PART = r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'"""
_KEY = rf"(?:{_PART})(?:\s*\.\s*(?:{_PART}))*"
_HEADER = re.compile(rf"(\[\[?)\s*({_KEY})\s*\]\]?")
_ASSIGN = re.compile(rf"({_KEY})\s*=\s*(.*)")


def _parts(key_text: str) -> list[str]:
    return [p.strip("\"'") for p in re.findall(_PART, key_text)]


def keys_in(text: str) -> Iterator[tuple[Key, int, str]]:
    """(key, line, trailing comment) of each table header and key of a TOML text. Follows [table]
    and [[array]] headers, naming each array entry by its `id`, so a key under [[regulators.rules]]
    reads `regulators.bis.rules.oct2022.chips`; quoted keys are one part (`parameters."a.b"`)."""
    ids: dict[tuple[str, ...], str] = {}  # id of the latest entry of each array of tables
    header: tuple[str, ...] = ()
    header_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        code, _, comment = raw.partition("#")
        code, comment = code.strip(), comment.strip()
        match = _HEADER.fullmatch(code)
        if match:
            header = tuple(_parts(match.group(2)))
            header_line = number
            if match.group(1) == "[[":
                ids.pop(header, None)  # a new entry whose id is not known yet
            else:
                yield Key(header), number, comment
            continue
        assign = _ASSIGN.match(code)
        if not assign:
            continue
        parts = _parts(assign.group(1))
        if parts == ["id"] and header:
            ids[header] = assign.group(2).strip().strip("\"'")
            yield _named(header, ids), header_line, ""
            continue
        key = Key((*_named(header, ids).parts, *parts))
        yield key, number, comment
        for inner in _inline_keys(assign.group(2)):  # an inline table's keys sit on its line
            yield Key((*key.parts, *inner)), number, ""


def _inline_keys(value: str) -> Iterator[tuple[str, ...]]:
    """The keys inside a value written on one line as an inline table (`{ step_days = 40 }`) or an array
    of them (`[{ id = "deepseek", research_share = 0.3 }]`, each entry named by its `id`), as parts
    below the key that holds them; nothing for any other value."""
    if not value.startswith(("{", "[")):
        return
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return  # a value that goes on over several lines, or not an inline table at all
    entries = [((), parsed)] if isinstance(parsed, dict) else []
    if isinstance(parsed, list):
        entries = [((str(e["id"]),), e) for e in parsed if isinstance(e, dict) and "id" in e]
    for name, table in entries:
        if name:
            yield name
        for dotted in flat(table, leaf=lambda v: not isinstance(v, dict)):
            yield (*name, *Key.parse(dotted).parts)


def _named(header: tuple[str, ...], ids: dict[tuple[str, ...], str]) -> Key:
    """A table header as a key, each array of tables followed by the id of its current entry."""
    out: list[str] = []
    for i, part in enumerate(header):
        out.append(part)
        if header[: i + 1] in ids:
            out.append(ids[header[: i + 1]])
    return Key(tuple(out))


def line_of(text: str, key: Key, prefix: bool = False) -> int | None:
    """The line that sets `key` in a TOML text (its key, or the header of its table). With `prefix`,
    else the line of the longest part of it that the text sets (an inline table, a missing key's table)."""
    lines = {}
    for found, number, _ in keys_in(text):
        lines.setdefault(str(found), number)
    for n in range(len(key.parts), 0 if prefix else len(key.parts) - 1, -1):
        line = lines.get(str(Key(key.parts[:n])))
        if line:
            return line
    return None


def find_line(files: list[Path], key: Key) -> tuple[str | None, int | None]:
    """The file and line that set a key, looking at the child file first; failing that, the line of
    the longest part of the key that a file sets."""
    texts = [(path, path.read_text(encoding="utf-8")) for path in files]
    for prefix in (False, True):
        for path, text in texts:
            line = line_of(text, key, prefix)
            if line:
                return str(path), line
    return (str(files[0]), None) if files else (None, None)
