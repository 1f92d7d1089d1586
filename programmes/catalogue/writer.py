"""Writing catalogue entries back to YAML in the one layout the files use.

Strings are always double-quoted (so YAML never reads them as anything else), text of
several lines uses a literal block, numbers are plain digits and dates plain ISO dates.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from programmes.catalogue import spec
from programmes.catalogue.spec import Field, Kind

INDENT = "  "

HEADERS: dict[str, str] = {
    "source": "The source documents the catalogue cites.",
    "support-type": "Support types, in the order the finder shows them. The slugs are public.",
    "stage": "Business stages, in the order the finder shows them. The slugs are public.",
    "sector": "Sectors a business can pick from. Each slug is the slug of its name.",
    "place": "Places and the larger places that contain them.",
    "provider": "Organisations that run or deliver programmes.",
    "statistics": "Scaleup statistics from the ScaleUp Institute's reviews.",
}


def quote(text: str) -> str:
    # A JSON string is also a valid YAML double-quoted string.
    return json.dumps(text, ensure_ascii=False)


def _block_ok(text: str) -> bool:
    lines = text.split("\n")
    return (
        len(lines) > 1
        and not text[0].isspace()
        and all(line == line.rstrip() for line in lines)
        and all(ch == "\n" or ch.isprintable() for ch in text)
    )


def scalar_lines(key: str, value, fld: Field, depth: int) -> list[str]:
    pad = INDENT * depth
    if fld.type == spec.TEXT and isinstance(value, str) and _block_ok(value):
        inner = INDENT * (depth + 1)
        return [f"{pad}{key}: |-"] + [
            f"{inner}{line}" if line else "" for line in value.split("\n")
        ]
    return [f"{pad}{key}: {render_scalar(value, fld)}"]


def render_scalar(value, fld: Field) -> str:
    if isinstance(value, bool):
        raise TypeError("the catalogue has no yes/no fields")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return quote(str(value))
    if isinstance(value, date):
        return value.isoformat()
    return quote(str(value))


def mapping_lines(
    data: dict, fields: tuple[Field, ...], depth: int, first_prefix: str = ""
) -> list[str]:
    """Lines for a mapping; ``first_prefix`` replaces the indent of the first line ("- ")."""
    lines: list[str] = []
    for fld in fields:
        if fld.key not in data:
            continue
        value = data[fld.key]
        pad = INDENT * depth
        if fld.type == spec.REFS:
            lines.append(f"{pad}{fld.key}: [{', '.join(quote(item) for item in value)}]")
        elif fld.type == spec.TEXTS:
            lines.append(f"{pad}{fld.key}:")
            lines.extend(f"{pad}{INDENT}- {quote(item)}" for item in value)
        elif fld.type == spec.OBJECT:
            lines.append(f"{pad}{fld.key}:")
            lines.extend(mapping_lines(value, fld.fields, depth + 1))
        elif fld.type == spec.OBJECTS:
            lines.append(f"{pad}{fld.key}:")
            for item in value:
                lines.extend(
                    mapping_lines(item, fld.fields, depth + 2, first_prefix=f"{pad}{INDENT}- ")
                )
        else:
            lines.extend(scalar_lines(fld.key, value, fld, depth))
    if first_prefix and lines:
        lines[0] = first_prefix + lines[0].lstrip()
    return lines


def render_entry(kind: Kind, data: dict) -> str:
    """One entry as the whole text of its own file."""
    return "\n".join(mapping_lines(data, kind.fields, 0)) + "\n"


def render_list(kind: Kind, entries: list[dict]) -> str:
    """Several entries as the text of a list file, a blank line between entries."""
    parts = [f'# {HEADERS[kind.name]} See README.md, "The catalogue files".\n']
    for data in entries:
        parts.append("\n".join(mapping_lines(data, kind.fields, 1, first_prefix="- ")) + "\n")
    return "\n".join(parts)


def write_if_changed(path: Path, text: str) -> bool:
    """Write a file only when its text differs; say whether it did."""
    encoded = text.encode("utf-8")
    if path.exists() and path.read_bytes() == encoded:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(encoded)
    tmp.replace(path)
    return True
