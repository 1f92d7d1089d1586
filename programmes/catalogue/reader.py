"""Reading and checking the catalogue files, without touching the database.

YAML 1.1 quietly turns an unquoted ``NO`` into false, ``1.10`` into 1.1 and ``1:20``
into 80. We read the node tree (``yaml.compose``) rather than Python values, so every
scalar is checked against the type its field expects before anything is converted, and
every problem can name its file, line, entry and field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import URLValidator
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.text import slugify

from programmes.catalogue import spec
from programmes.catalogue.spec import Field, Kind

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INT_RE = re.compile(r"^-?[0-9]+$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TAG_STR = "tag:yaml.org,2002:str"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_INT = "tag:yaml.org,2002:int"

# What YAML makes of an unquoted value, for the message that asks for quotes.
TAG_MEANING = {
    "tag:yaml.org,2002:bool": "true/false",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    TAG_NULL: "empty",
}
YAML_FALSE = {"no", "n", "off", "false"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the catalogue files, said so that it can be found and fixed."""

    path: str
    line: int | None
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        parts = [where]
        if self.entry:
            parts.append(f"entry '{self.entry}'")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) + f": {self.message}"


@dataclass
class Reference:
    field: str
    target: str
    slug: str
    line: int | None


@dataclass
class Entry:
    """One catalogue entry as read from its file: plain Python values keyed as in YAML."""

    kind: Kind
    path: str
    line: int | None
    slug: str
    data: dict
    node: yaml.Node | None = field(default=None, repr=False, compare=False)

    def line_of_field(self, dotted: str) -> int | None:
        """The line of the field ``dotted`` ("amount_max", "eligibility.employees_max",
        "related[2].programme") in the file, or the entry's own line."""
        node = self.node
        for part in dotted.split("."):
            name, _, index = part.partition("[")
            found = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == name:
                        found = (key_node, value_node)
            if found is None:
                return self.line
            node = found[1]
            if index:
                position = int(index.rstrip("]")) - 1
                if not isinstance(node, yaml.SequenceNode) or position >= len(node.value):
                    return line_of(found[0])
                node = node.value[position]
            elif not isinstance(node, yaml.MappingNode):
                return line_of(found[0])
        return line_of(node)


@dataclass
class Catalogue:
    """Everything read from the files, by kind name then slug, and every problem found."""

    entries: dict[str, dict[str, Entry]]
    problems: list[Problem]
    files: dict[str, bytes]

    @property
    def ok(self) -> bool:
        return not self.problems


class FieldError(Exception):
    def __init__(self, message: str, node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node = node


OUT_OF_STEP = (
    "this line is indented differently from the lines around it; indent every field of an "
    "entry by the same number of spaces"
)
# PyYAML's words for a syntax error, and what they mean to someone editing a file.
YAML_ERRORS = [
    (
        "found character '\\t'",
        "a tab character; YAML indents with spaces only, so replace the tab with spaces",
    ),
    (
        "mapping values are not allowed here",
        "a colon where YAML did not expect one; put text that contains “: ” in double "
        "quotes, or check this line's indentation",
    ),
    (
        "could not find expected ':'",
        "a line without “field: value”; check that the line before it is not text running "
        "over two lines without double quotes",
    ),
    (
        "found unexpected end of stream",
        "a text in quotes is not closed; add the closing double quote",
    ),
    (
        "found unknown escape character",
        "a backslash in double-quoted text; write \\\\ for one backslash, or leave it out",
    ),
    (
        "expected <block end>, but found '<scalar>'",
        "text goes on after a closing double quote; a quote left open on an earlier line, "
        "or a double quote inside the text, ends it too early: check the quotes on this "
        "line and the lines above",
    ),
    ("expected <block end>", OUT_OF_STEP),
    ("did not find expected key", OUT_OF_STEP),
    (
        "did not find expected '-' indicator",
        "a list whose items do not line up; start each item with “- ” at the same indentation",
    ),
]


def explain_yaml_error(error: yaml.YAMLError) -> tuple[int | None, str]:
    """The line of a YAML syntax error and what it means, in plain words (PyYAML's own
    words, in brackets, for anything else). For a quote never closed, the line is where
    the quoted text began."""
    problem = getattr(error, "problem", None) or str(error)
    mark = getattr(error, "problem_mark", None)
    context = getattr(error, "context_mark", None)
    for words, meaning in YAML_ERRORS:
        if problem.startswith(words):
            if words == "found unexpected end of stream" and context is not None:
                mark = context
            return (mark.line + 1 if mark else None), meaning
    return (mark.line + 1 if mark else None), f"YAML cannot read it here ({problem})"


def line_of(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _describe_node(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a set of fields"
    return repr(node.value)


def _quote_hint(node: yaml.ScalarNode) -> str:
    meaning = TAG_MEANING.get(node.tag, "something other than text")
    if node.tag == "tag:yaml.org,2002:bool":
        meaning = "false" if node.value.lower() in YAML_FALSE else "true"
    return (
        f"unquoted {node.value} is read by YAML as {meaning}; "
        f'write it in double quotes: "{node.value}"'
    )


def _text(node: yaml.Node, *, one_line: bool) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise FieldError(f"expected text, found {_describe_node(node)}", node)
    if node.tag != TAG_STR:
        raise FieldError(_quote_hint(node), node)
    value = node.value.strip()
    if one_line and "\n" in value:
        raise FieldError("must be a single line", node)
    return value


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == TAG_NULL and node.style is None


def convert(node: yaml.Node, fld: Field, kind: Kind, where: str, refs: list[Reference]):
    """Turn one YAML node into the Python value its field expects, or raise FieldError.

    Returns None for a value that is left empty, so "empty" and "absent" mean the same.
    """
    if _is_null(node):
        return None
    t = fld.type
    if t in (spec.STR, spec.TEXT, spec.SLUG, spec.URL, spec.CHOICE, spec.REF):
        value = _text(node, one_line=t != spec.TEXT)
        if value == "":
            return None
        if fld.max_length and len(value) > fld.max_length:
            raise FieldError(
                f"is {len(value)} characters long; the most allowed is {fld.max_length}", node
            )
        if t in (spec.SLUG, spec.REF) and not SLUG_RE.match(value):
            raise FieldError(
                f"'{value}' is not a slug: use lower-case letters, digits and single hyphens",
                node,
            )
        if fld.pattern and not re.match(fld.pattern, value):
            raise FieldError(f"'{value}' is not {fld.pattern_words}", node)
        if t == spec.CHOICE and value not in fld.choices:
            raise FieldError(f"'{value}' is not one of: {', '.join(fld.choices)}", node)
        if t == spec.URL:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except ValidationError:
                raise FieldError(f"'{value}' is not a web address (https://...)", node) from None
        if t == spec.REF:
            refs.append(Reference(where, fld.target, value, line_of(node)))
        return value
    if t == spec.INT:
        if not isinstance(node, yaml.ScalarNode):
            raise FieldError(f"expected a whole number, found {_describe_node(node)}", node)
        if node.tag != TAG_INT or not INT_RE.match(node.value):
            raise FieldError(
                f"expected a whole number written as plain digits (no quotes, commas or £), "
                f"found {node.value!r}",
                node,
            )
        number = int(node.value)
        if number < 0:
            raise FieldError(f"must be zero or more, found {number}", node)
        largest = _largest(kind, fld.key)
        if largest is not None and number > largest:
            raise FieldError(f"must be {largest:,} or less, found {number:,}", node)
        return number
    if t == spec.DECIMAL:
        if not isinstance(node, yaml.ScalarNode):
            raise FieldError(f"expected a decimal, found {_describe_node(node)}", node)
        if node.tag not in (TAG_STR, TAG_INT):
            raise FieldError(
                f'write decimals in double quotes ("{node.value}") so YAML cannot round them',
                node,
            )
        try:
            number = Decimal(node.value.strip())
        except InvalidOperation:
            raise FieldError(f"{node.value!r} is not a decimal number", node) from None
        model_field = kind.model._meta.get_field(fld.key)
        if not number.is_finite() or number.as_tuple().exponent < -model_field.decimal_places:
            raise FieldError(
                f"{node.value!r} has more than {model_field.decimal_places} decimal places",
                node,
            )
        if abs(number) >= Decimal(10) ** (model_field.max_digits - model_field.decimal_places):
            raise FieldError(f"{node.value!r} is too large", node)
        return number
    if t == spec.DATE:
        if not isinstance(node, yaml.ScalarNode):
            raise FieldError(f"expected a date, found {_describe_node(node)}", node)
        raw = node.value.strip()
        if not DATE_RE.match(raw):
            raise FieldError(f"expected a date as YYYY-MM-DD, found {raw!r}", node)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise FieldError(f"{raw} is not a real date", node) from None
        if fld.past and day > timezone.localdate():
            raise FieldError(f"{raw} is in the future: give the day the check was made", node)
        return day
    if t in (spec.REFS, spec.TEXTS):
        if not isinstance(node, yaml.SequenceNode):
            raise FieldError(f"expected a list, found {_describe_node(node)}", node)
        item_field = Field(fld.key, spec.REF if t == spec.REFS else spec.TEXT, target=fld.target)
        values = []
        for item in node.value:
            value = convert(item, item_field, kind, where, refs)
            if value is None:
                raise FieldError("a list item is empty", item)
            if t == spec.REFS and value in values:
                raise FieldError(f"'{value}' is listed twice", item)
            values.append(value)
        return values or None
    if t == spec.OBJECT:
        return read_mapping(node, fld.fields, kind, where + ".", refs)
    if t == spec.OBJECTS:
        if not isinstance(node, yaml.SequenceNode):
            raise FieldError(f"expected a list, found {_describe_node(node)}", node)
        items = [
            read_mapping(item, fld.fields, kind, f"{where}[{index + 1}].", refs)
            for index, item in enumerate(node.value)
        ]
        return items or None
    raise AssertionError(f"unknown field type {t}")


class MappingErrors(Exception):
    """Several field problems in one mapping, each with the node it came from."""

    def __init__(self, errors: list[tuple[str, FieldError]]) -> None:
        super().__init__("; ".join(error.message for _, error in errors))
        self.errors = errors


def read_mapping(
    node: yaml.Node, fields: tuple[Field, ...], kind: Kind, prefix: str, refs: list[Reference]
) -> dict:
    """Read a mapping against its fields: unknown keys, keys given twice, missing
    required fields and bad values are all collected before anything is raised."""
    if not isinstance(node, yaml.MappingNode):
        raise MappingErrors(
            [
                (
                    prefix.rstrip("."),
                    FieldError(f"expected fields, found {_describe_node(node)}", node),
                )
            ]
        )
    by_key = {fld.key: fld for fld in fields}
    errors: list[tuple[str, FieldError]] = []
    values: dict = {}
    seen: set[str] = set()
    failed: set[str] = set()  # given, but with a problem: reported, so not "required"
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
        where = prefix + key
        if key in seen:
            errors.append((where, FieldError("is given twice", key_node)))
            continue
        seen.add(key)
        fld = by_key.get(key)
        if fld is None:
            close = difflib.get_close_matches(key, by_key, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            errors.append((where, FieldError(f"is not a field of a {kind.name}{hint}", key_node)))
            continue
        try:
            value = convert(value_node, fld, kind, where, refs)
        except FieldError as error:
            errors.append((where, FieldError(error.message, error.node or value_node)))
            failed.add(key)
            continue
        except MappingErrors as nested:
            errors.extend(nested.errors)
            failed.add(key)
            continue
        if value is not None:
            values[key] = value
    for fld in fields:
        if fld.required and fld.key not in values and fld.key not in failed:
            errors.append((prefix + fld.key, FieldError("is required", node)))
    if errors:
        raise MappingErrors(errors)
    return values


def _entry_label(node: yaml.Node, index: int | None) -> str:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "slug" and isinstance(value_node, yaml.ScalarNode):
                return value_node.value
    return f"entry {index + 1}" if index is not None else ""


def catalogue_files(fixtures_dir: Path, sources_file: Path) -> Iterator[tuple[Kind, Path]]:
    """Every file the catalogue is read from, with the kind of entry it holds."""
    for kind in spec.KINDS:
        if kind is spec.SOURCE:
            yield kind, sources_file
        elif kind.one_per_file:
            for path in sorted((fixtures_dir / kind.path).glob("*.yaml")):
                yield kind, path
        else:
            yield kind, fixtures_dir / kind.path


def stray_files(fixtures_dir: Path) -> list[Path]:
    """Files in the fixtures folder that no kind reads: most likely a misnamed file."""
    expected = {fixtures_dir / kind.path for kind in spec.KINDS if not kind.one_per_file}
    folders = {fixtures_dir / kind.path.rstrip("/") for kind in spec.KINDS if kind.one_per_file}
    strays = []
    for path in sorted(fixtures_dir.rglob("*")):
        if path.is_dir() or path.name.startswith(".") or path.name == "README.md":
            continue
        if path in expected or (path.parent in folders and path.suffix == ".yaml"):
            continue
        strays.append(path)
    return strays


def read_catalogue(fixtures_dir: Path, sources_file: Path, base_dir: Path) -> Catalogue:
    """Read and check every catalogue file. Nothing is written anywhere."""
    entries: dict[str, dict[str, Entry]] = {kind.name: {} for kind in spec.KINDS}
    # Slugs of entries that could not be read: references to them are not reported too.
    unreadable: set[tuple[str, str]] = set()
    # Where each entry refers to others (file, slug, references), readable or not: an
    # entry with one bad field still has its references checked, so that every problem
    # is named at once.
    referrers: list[tuple[str, str, list[Reference]]] = []
    problems: list[Problem] = []
    files: dict[str, bytes] = {}

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(base_dir))
        except ValueError:
            return str(path)

    for path in stray_files(fixtures_dir):
        problems.append(
            Problem(
                rel(path), None, "", "", "is not a catalogue file (see the README for the layout)"
            )
        )

    for kind, path in catalogue_files(fixtures_dir, sources_file):
        name = rel(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            problems.append(Problem(name, None, "", "", "file is missing"))
            continue
        files[name] = raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(name, None, "", "", f"is not UTF-8 text ({error.reason})"))
            continue
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            line, words = explain_yaml_error(error)
            problems.append(Problem(name, line, "", "", f"is not valid YAML: {words}"))
            continue
        if kind.one_per_file:
            if root is None:
                problems.append(Problem(name, None, "", "", f"is empty; expected one {kind.name}"))
                continue
            nodes = [(root, None)]
        else:
            if root is None:
                continue
            if not isinstance(root, yaml.SequenceNode):
                problems.append(
                    Problem(name, line_of(root), "", "", f"expected a list of {kind.name} entries")
                )
                continue
            nodes = [(node, index) for index, node in enumerate(root.value)]
        for node, index in nodes:
            label = _entry_label(node, index)
            refs: list[Reference] = []
            referrers.append((name, label, refs))
            try:
                data = read_mapping(node, kind.fields, kind, "", refs)
            except MappingErrors as failed:
                unreadable.add((kind.name, label))
                for where, error in failed.errors:
                    problems.append(Problem(name, line_of(error.node), label, where, error.message))
                continue
            entry = Entry(kind, name, line_of(node), data["slug"], data, node)
            problems.extend(_check_entry(entry, path, entries[kind.name]))
            entries[kind.name].setdefault(entry.slug, entry)

    problems.extend(_check_references(entries, unreadable, referrers))
    problems.extend(_check_cycles(entries["place"], "parents", "a place cannot be inside itself"))
    problems.extend(
        _check_cycles(entries["sector"], "broader", "a sector cannot be a kind of itself")
    )
    return Catalogue(entries, problems, files)


def _check_entry(entry: Entry, path: Path, same_kind: dict[str, Entry]) -> list[Problem]:
    kind, data = entry.kind, entry.data
    problems = []

    def problem(field_name: str, message: str) -> None:
        line = entry.line_of_field(field_name)
        problems.append(Problem(entry.path, line, entry.slug, field_name, message))

    if entry.slug in same_kind:
        first = same_kind[entry.slug]
        problem(
            "slug",
            f"'{entry.slug}' is already used by the {kind.name} at {first.path}:{first.line}",
        )
    for fld in kind.fields:
        value = data.get(fld.key)
        if fld.unique and value is not None:
            for other in same_kind.values():
                if other.data.get(fld.key) == value and other.slug != entry.slug:
                    problem(
                        fld.key,
                        f"'{value}' is already given to the {kind.name} '{other.slug}' "
                        f"at {other.path}:{other.line}",
                    )
    if kind.one_per_file and path.stem != entry.slug:
        problem("slug", f"the file must be named {entry.slug}.yaml to match its slug")
    if kind.slug_from_name and slugify(data["name"]) != entry.slug:
        problem("slug", f"must be '{slugify(data['name'])}', the slug of its name '{data['name']}'")
    for rng in kind.ranges:
        _check_range(data, rng, "", problem)
    for key, ranges in kind.nested_ranges.items():
        for rng in ranges:
            _check_range(data.get(key, {}), rng, key + ".", problem)
    if kind is spec.PROGRAMME:
        if not data.get("sources") and not data.get("outside_documents"):
            problem(
                "sources",
                "is required: cite the documents its facts come from, or say in "
                "outside_documents that none of them does",
            )
        for index, relation in enumerate(data.get("related", [])):
            if relation["programme"] == entry.slug:
                problem(
                    f"related[{index + 1}].programme", "a programme cannot be related to itself"
                )
    return problems


def _check_range(values: dict, rng: spec.Range, prefix: str, problem) -> None:
    low, high = values.get(rng.low), values.get(rng.high)
    if low is not None and high is not None and low > high:
        problem(prefix + rng.low, f"{low} is more than {rng.high} ({high})")


def _check_references(
    entries: dict[str, dict[str, Entry]],
    unreadable: set[tuple[str, str]],
    referrers: list[tuple[str, str, list[Reference]]],
) -> list[Problem]:
    problems = []
    reported: set[tuple[str, str, str, str]] = set()
    for path, label, refs in referrers:
        for ref in refs:
            # An unknown slug listed twice in a field is reported unknown once (and, by
            # read_mapping, as listed twice).
            if (path, label, ref.field, ref.slug) in reported:
                continue
            if ref.slug not in entries[ref.target] and (ref.target, ref.slug) not in unreadable:
                reported.add((path, label, ref.field, ref.slug))
                close = difflib.get_close_matches(ref.slug, entries[ref.target], n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    Problem(
                        path, ref.line, label, ref.field, f"unknown {ref.target} '{ref.slug}'{hint}"
                    )
                )
    return problems


def _largest(kind: spec.Kind, key: str) -> int | None:
    """The largest whole number the database column behind ``key`` holds (PostgreSQL's
    limits, which SQLite's are not below), or None when there is no such column."""
    try:
        model_field = kind.model._meta.get_field(spec.ELIGIBILITY_ATTRS.get(key, key))
    except FieldDoesNotExist:
        return None
    limits = BaseDatabaseOperations.integer_field_ranges.get(model_field.get_internal_type())
    return limits[1] if limits else None


def _check_cycles(entries: dict[str, Entry], key: str, message: str) -> list[Problem]:
    """No entry may reach itself through ``key`` (a place's parents, a sector's broader
    sectors), however many steps round."""
    problems = []
    for slug, entry in entries.items():
        seen: set[str] = set()
        stack = list(entry.data.get(key, []))
        while stack:
            parent = stack.pop()
            if parent == slug:
                problems.append(Problem(entry.path, entry.line_of_field(key), slug, key, message))
                break
            if parent in seen or parent not in entries:
                continue
            seen.add(parent)
            stack.extend(entries[parent].data.get(key, []))
    return problems
