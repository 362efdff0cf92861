"""Loading a scenario: read the file, follow `extends`, merge, apply overrides, validate, check the
links between sections (`simulation.scenario.references`), and give every number its source from
the file's comments.

Every problem is a `ScenarioError` naming the file (or the overrides' label, `--set` on the command
line), the line and the key, with the closest valid name for a misspelt one.
"""

from __future__ import annotations

import calendar
import copy
import difflib
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from simulation.scenario.errors import Problem, ScenarioError, closest, pydantic_message
from simulation.scenario.moved import moved_keys, moved_message
from simulation.scenario.paths import TOP, Key, fields_at, find_line, keys_in, leaves, raw_leaves
from simulation.scenario.references import check_references
from simulation.scenario.schema import EVENT_KINDS, Scenario

# The built-in scenarios. Installed from a wheel they are package data, simulation/scenarios (pyproject's
# wheel `sources` maps the top-level scenarios/ there); in a source checkout or an editable install,
# where the package has no such folder, they are the top-level scenarios/ itself.
_PACKAGED = resources.files("simulation") / "scenarios"
SCENARIO_DIR = Path(str(_PACKAGED)) if _PACKAGED.is_dir() else Path(__file__).resolve().parents[2] / "scenarios"


def builtin_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def resolve_path(name_or_path: str | Path) -> Path:
    """A path to an existing file, or the name of a built-in scenario."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    builtin = builtin_scenarios()
    stem = path.stem if path.suffix == ".toml" else str(name_or_path)
    if stem in builtin and path.parent == Path("."):
        return builtin[stem]
    hint = difflib.get_close_matches(stem, builtin, n=1)
    known = ", ".join(builtin) or "none"
    message = f"no such file or built-in scenario (built-in: {known})"
    if hint:
        message += f"; did you mean '{hint[0]}'?"
    raise ScenarioError([Problem(str(name_or_path), "", message)])


def read_text(path: Path) -> str:
    """A scenario or sweep file's text; a file that cannot be read or is not UTF-8 text is a ScenarioError."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem(str(path), "", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        message = f"not a TOML text file: byte {exc.start} is not UTF-8 (is it a binary file?)"
        raise ScenarioError([Problem(str(path), "", message)]) from None


def parse_toml(text: str, path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The data of a file's TOML text, and the problems found on the way that still let it be read: each
    date that does not exist (2028-13-31), which TOML would stop at, is reported with its file, line and
    key and read as the nearest real date (2028-12-31), so that the file's other problems are found in
    the same pass. Other invalid TOML is a ScenarioError with the file and line (and those dates)."""
    lines = text.splitlines()
    problems: list[Problem] = []
    for _ in range(len(lines) + 1):  # each pass mends one impossible date
        try:
            return tomllib.loads("\n".join(lines) + "\n"), problems
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
            line = int(match.group(1)) if match else None
            reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            bad_date = _bad_date(lines[line - 1]) if line and line <= len(lines) else None
            if bad_date is None:
                raise ScenarioError([*problems, Problem(str(path), "", f"not valid TOML: {reason}", line)]) from None
            name, reason, mended = bad_date
            key = next((str(k) for k, n, _ in keys_in(text) if n == line and k.name == name), name)
            problems.append(Problem(str(path), key, reason, line))
            lines[line - 1] = mended
    raise AssertionError("unreachable: every pass mends a line")


_DAY = r"\d{4}-\d{2}-\d{2}"  # a date as TOML writes it (YYYY-MM-DD)


def _bad_date(line: str) -> tuple[str, str, str] | None:
    """(key, what is wrong, the line with the nearest real date) for a line that sets a key to a date
    that does not exist (2028-13-31, 2025-02-30), which TOML reports only as a syntax error; None for
    any other line."""
    match = re.match(r"\s*([\w.\-\"']+)\s*=\s*(\d{4})-(\d{2})-(\d{2})\b", line)
    if not match:
        return None
    key, (year, month, day) = match.group(1).strip("\"'"), map(int, match.groups()[1:])
    written = f"{match.group(2)}-{match.group(3)}-{match.group(4)}"
    near_month = min(max(month, 1), 12)
    last = calendar.monthrange(year, near_month)[1]
    mended = line[: match.start(2)] + f"{year:04d}-{near_month:02d}-{min(max(day, 1), last):02d}" + line[match.end(4) :]
    if not 1 <= month <= 12:
        return key, f"{written} is not a date: month {month} does not exist (1 to 12)", mended
    try:
        date(year, month, day)
    except ValueError:
        return key, f"{written} is not a date: {calendar.month_name[month]} {year} has days 1 to {last}", mended
    return None


def read_toml(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    data, problems = parse_toml(read_text(path), path)
    return data, [*problems, *_quoted_dates(data, path)]


def _quoted_dates(data: dict[str, Any], path: Path) -> list[Problem]:
    """A date written in quotes (`date = "2025-01-20"`) is a string to TOML and to every tool that reads
    the file; the schema would read it as a date, so refuse it here, where the file is known."""
    problems = []
    for key, value, annotation in raw_leaves(data, Scenario, EVENT_KINDS):
        if date in (annotation, *get_args(annotation)) and isinstance(value, str) and re.fullmatch(_DAY, value):
            message = f"'{value}' is a string; TOML writes a date without quotes: {key.name} = {value}"
            problems.append(Problem(str(path), str(key), message, find_line([path], key)[1]))
    return problems


def merge(base: Any, change: Any) -> Any:
    """Deep merge: tables merge by key, arrays of tables with `id` merge by id, anything else is replaced."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if _is_id_list(base) and _is_id_list(change):
        out = list(base)
        index = {item["id"]: i for i, item in enumerate(out)}
        for item in change:
            if item["id"] in index:
                out[index[item["id"]]] = merge(out[index[item["id"]]], item)
            else:
                out.append(item)
        return out
    return change


def _is_id_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "id" in v for v in value)


def read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict[str, Any], list[Path], list[Problem]]:
    """The raw data of a file after merging what it extends; also the files read, child first, and the
    problems that reading found but read past (`parse_toml`)."""
    path = path.resolve()
    if path in seen:
        raise ScenarioError([Problem(str(path), "extends", "extends itself through " + " -> ".join(map(str, seen)))])
    data, problems = read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, [path], problems
    if not isinstance(parent, str):
        raise ScenarioError([Problem(str(path), "extends", f"found {parent!r}; expected a file name")])
    parent_path = (path.parent / parent) if (path.parent / parent).is_file() else None
    if parent_path is None:
        try:
            parent_path = resolve_path(parent)
        except ScenarioError:
            message = f"'{parent}' is neither a file next to this one nor a built-in scenario"
            raise ScenarioError([Problem(str(path), "extends", message)]) from None
    base, files, more = read_with_extends(parent_path, (*seen, path))
    return merge(base, data), [path, *files], [*problems, *more]


def load_scenario(source: str | Path, overrides: dict[str, Any] | None = None, label: str = "overrides") -> Scenario:
    """Read, merge, override and validate a scenario file (path or built-in name).

    Problems with the overrides are reported against `label` (the CLI passes "--set").
    """
    path = resolve_path(source)
    data, files, problems = read_with_extends(path)
    if "story" not in data and "airace_version" not in data:  # a resolved scenario.toml's header is airace's note
        data["story"] = _header_comment(read_text(path))
    if overrides:
        try:
            data = apply_overrides(data, overrides, label)
        except ScenarioError as exc:
            raise ScenarioError([*problems, *exc.problems]) from None
    scenario = validate(data, files, set(overrides or ()), label, problems)
    return _attach_comment_sources(scenario, files, overrides, label)


def _header_comment(text: str) -> str:
    """The comment lines a scenario file opens with, without their `#`: the scenario's longer story."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return "\n".join(lines).strip()


def scenario_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None) -> Scenario:
    if overrides:
        data = apply_overrides(data, overrides, "overrides")
    return validate(data, [], set(overrides or ()))


def validate(
    data: dict[str, Any],
    files: list[Path],
    overridden: set[str] = frozenset(),
    label: str = "overrides",
    read: list[Problem] | None = None,
) -> Scenario:
    """A Scenario, or a ScenarioError naming the file (or the overrides) and line of every problem:
    those reading the files found (`read`: dates that do not exist), then the schema's, then the links
    between sections (`check_references`), all in one report. When the schema refuses something, the
    links are checked on the rest (`_mended`), so a user does not fix the file in rounds."""
    source = str(files[0]) if files else "<scenario>"
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        misspelt, errors = _misspelt_entries(exc.errors(), data)
        problems = [p for err in errors for p in _problems(err, data, files, source)]
        for loc, message in misspelt.items():
            key = Key.from_loc(loc, data, EVENT_KINDS)
            file, line = find_line(files, key)
            problems.append(Problem(file or source, str(key), message, line))
        mended = _mended(data, exc)
        if mended is not None:  # the links between sections, on what the schema could read
            reported = [p.key for p in problems]
            for key, message in _references_beside(mended, reported):
                file, line = find_line(files, Key.parse(key))
                problems.append(Problem(file or source, key, message, line))
    else:
        problems = []
        for key, message in check_references(scenario):
            file, line = find_line(files, Key.parse(key))
            problems.append(Problem(file or source, key, message, line))
    if read or problems:
        blamed = [*(read or []), *(_blamed(p, overridden, label) for p in problems)]
        raise ScenarioError(_in_file_order(blamed, files))
    return scenario


def _in_file_order(problems: list[Problem], files: list[Path]) -> list[Problem]:
    """Problems as a user reads them: file by file (the one named first, then those it extends, then
    the overrides), each by line, then by key."""
    order = {str(path): i for i, path in enumerate(files)}
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.line or 0, p.key))


def _misspelt_entries(errors: list[Any], data: dict[str, Any]) -> tuple[dict[tuple[Any, ...], str], list[Any]]:
    """Entries that lack required keys and whose id is close to another entry's of the same list (an
    extending file's `[[labs]] id = "deepsek"`, read as a new lab): {entry's location: "unknown entry
    'deepsek'; did you mean 'deepseek'? ..."}, one line instead of one per missing key; and the other errors."""
    missing: dict[tuple[Any, ...], list[str]] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "union_tag_not_found":  # an event without its `kind`
            missing.setdefault(loc, []).append(err["ctx"]["discriminator"].strip("'"))
        elif err["type"] == "missing" and any(isinstance(part, int) for part in loc):
            entry = max(i for i, part in enumerate(loc) if isinstance(part, int))
            missing.setdefault(loc[: entry + 1], []).append(str(loc[-1]))
    misspelt = {}
    for loc, keys in missing.items():
        entries = _at(data, loc[:-1])
        entry = entries[loc[-1]] if isinstance(entries, list) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        others = [e["id"] for e in entries if isinstance(e, dict) and e is not entry and isinstance(e.get("id"), str)]
        if difflib.get_close_matches(entry["id"], others, n=1):
            misspelt[loc] = f"{closest(entry['id'], others, 'entry')} (a new entry needs {', '.join(keys)})"
    explained = [err for err in errors if any(tuple(err["loc"])[: len(loc)] == loc for loc in misspelt)]
    return misspelt, [err for err in errors if err not in explained]


def _at(data: Any, loc: tuple[Any, ...]) -> Any:
    """The node of raw data at a pydantic location, skipping the tag pydantic adds for a union's member."""
    for part in loc:
        if (isinstance(data, list) and isinstance(part, int) and part < len(data)) or (
            isinstance(data, dict) and part in data
        ):
            data = data[part]
    return data


def _mended(data: dict[str, Any], error: ValidationError, rounds: int = 4) -> tuple[Scenario, set[str]] | None:
    """The scenario with what the schema refused taken out, so that its cross-references can be checked in
    the same report: a refused value gives way to its default, an entry (a lab, a rule, an event) that
    has none is dropped. With the ids of the dropped entries; None if nothing readable is left."""
    data, dropped = copy.deepcopy(data), set()
    for _ in range(rounds):
        for err in error.errors():
            loc, node, path = err["loc"], data, []
            for part in loc:  # follow the location through the data, skipping a union's tag
                entry = isinstance(node, list) and isinstance(part, int) and part < len(node)
                if entry or (isinstance(node, dict) and part in node):
                    path.append((node, part))
                    node = node[part]
            if not path:
                return None
            parent, last = path[-1]
            if err["type"] != "missing" and isinstance(parent, dict):
                del parent[last]  # the field's default, or a "missing" error next round
                continue
            entries = [(n, i) for n, i in path if isinstance(n, list)]
            if not entries:
                return None
            entries_of, i = entries[-1]
            if isinstance(entries_of[i], dict):
                dropped.add(str(entries_of[i].get("id", "")))
            entries_of[i] = None
        _drop_none(data)
        try:
            return Scenario.model_validate(data), dropped
        except ValidationError as again:
            error = again
    return None


def _drop_none(node: Any) -> None:
    """Take the entries marked None out of every list of `data`, in place."""
    if isinstance(node, dict):
        for value in node.values():
            _drop_none(value)
    elif isinstance(node, list):
        node[:] = [item for item in node if item is not None]
        for item in node:
            _drop_none(item)


def _references_beside(mended: tuple[Scenario, set[str]], reported: list[str]) -> list[tuple[str, str]]:
    """The cross-reference problems of a mended scenario that the schema's report does not already hold:
    none about a key it names, and none that merely points to an entry taken out."""
    scenario, dropped = mended
    out = []
    for key, message in check_references(scenario):
        if any(key == k or key.startswith(k + ".") for k in reported):
            continue
        if any(message.startswith("unknown ") and f"'{d}'" in message.split(";")[0] for d in dropped):
            continue
        out.append((key, message))
    return out


def _blamed(problem: Problem, overridden: set[str], label: str) -> Problem:
    """A problem with an overridden value is reported against the overrides (`label`), not the file's
    line; so is a problem of a table (`labs.deepseek`: shares that add up to more than 1) that an
    override changed, naming the overrides."""
    typed = max((k for k in overridden if problem.key == k or problem.key.startswith(k + ".")), key=len, default=None)
    if typed is not None:
        # Under the key the user typed (`blocs.US.serves`, not the item number `blocs.US.serves.0` they never
        # wrote), unless the problem names an entry or field inside it (`indices.x_index.members` of a list
        # typed whole as `indices`), which says more.
        inside_typed = problem.key[len(typed) :].strip(".").split(".")
        key = typed if all(part.isdigit() for part in inside_typed if part) else problem.key
        return Problem(label, key, problem.message)
    inside = sorted(k for k in overridden if k.startswith(problem.key + ".")) if problem.key else []
    if inside:
        return Problem(label, problem.key, f"{problem.message} (with {', '.join(inside)} from {label})")
    return problem


def _problems(err: dict[str, Any], data: dict[str, Any], files: list[Path], label: str) -> list[Problem]:
    """The problems of one of pydantic's errors, each with its file and line: one, but for an unknown
    table of an older schema (`[markets]`), which gives one for each key it holds, naming its new key."""
    key = Key.from_loc(tuple(err["loc"]), data, EVENT_KINDS)
    if err["type"] == "extra_forbidden" and (moved := moved_keys(str(key), err.get("input"))):
        located = [(old, message, *find_line(files, Key.parse(old))) for old, message in moved]
        return [Problem(file or label, old, message, line) for old, message, file, line in located]
    file, line = find_line(files, key)
    if err["type"] == "extra_forbidden":
        allowed = fields_at(tuple(err["loc"][:-1]), data, Scenario, EVENT_KINDS)
        hint = difflib.get_close_matches(key.name, allowed, n=1)
        message = f"unknown key '{key.name}'"
        message += f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(allowed)}"
    else:
        message = pydantic_message(err)
    return [Problem(file or label, str(key), message, line)]


def _attach_comment_sources(
    scenario: Scenario, files: list[Path], overrides: dict[str, Any] | None = None, label: str = "overrides"
) -> Scenario:
    """A number's trailing comment in a scenario file is its source, unless its table's `sources`
    names one: so the comments that make a scenario file read like prose are its parameter cards.
    A number that a child file or an override changes without a source of its own (a comment, or the
    child's `sources.<field>` or `sources."*"`) loses every source its parents gave it, their
    `sources` tables included: it reads "changed in <file>, no source given"."""
    comments: dict[str, str] = {}
    changed: dict[str, str] = {}  # values changed without a source of their own -> what to say instead
    seen: set[str] = set()
    for path in reversed(files):  # parents first, so a child's comment wins
        text = path.read_text(encoding="utf-8")
        sourced = set(_sourced(tomllib.loads(text)))
        for key, _, comment in keys_in(text):
            dotted = str(key)
            if comment:
                comments[dotted] = comment
                changed.pop(dotted, None)
            elif path != files[-1] and not {dotted, str(key.parent.child("*"))} & sourced:
                verb = "changed" if dotted in seen else "set"
                changed[dotted] = f"{verb} in {path.name}, no source given"
            seen.add(dotted)
    for dotted in overrides or {}:
        changed[dotted] = f"changed by {label}, no source given"
        comments.pop(dotted, None)
    for key, owner, name in leaves(scenario):
        if name == "sources":
            continue
        extra = type(owner).model_fields[name].json_schema_extra
        if str(key) in changed and isinstance(extra, dict) and "unit" in extra:  # a number of the registry
            owner.sources[name] = changed[str(key)]
        elif str(key) in comments:
            owner.sources.setdefault(name, comments[str(key)])
    return scenario


def _sourced(data: Any, prefix: Key = TOP) -> Iterator[str]:
    """The dotted keys a file's own `sources` tables give a source for (`labs.baidu.research_share`,
    `labs.bytedance.*`), entries of lists of tables named by their id."""
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and "id" in item:
                yield from _sourced(item, prefix.child(str(item["id"])))
    elif isinstance(data, dict):
        for name, value in data.items():
            if name == "sources" and isinstance(value, dict):
                yield from (str(prefix.child(field)) for field in value)
            else:
                yield from _sourced(value, prefix.child(name))


# ---------------------------------------------------------------- overrides


def parse_value(text: str) -> Any:
    """A command-line value read as TOML (numbers, booleans, dates, lists), else as a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Set dotted keys (`labs.deepseek.research_share`) in a copy of raw scenario data (the caller's
    data is left as it was); every unknown key is reported."""
    problems = []
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        try:
            Key.parse(dotted).set(out, value, Scenario, EVENT_KINDS)
        except KeyError as exc:  # a key an older schema had is named with the key that replaced it
            problems.append(Problem(source, dotted, moved_message(dotted) or str(exc.args[0])))
    if problems:
        raise ScenarioError(problems)
    out["overrides"] = {**data.get("overrides", {}), **overrides}  # a record of them, for the runs' labels
    return out
