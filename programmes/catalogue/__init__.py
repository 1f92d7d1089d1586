"""The catalogue as files: read and check them, load them, and export the database back.

The three management commands (validate_catalogue, load_catalogue, export_catalogue)
are thin wrappers around ``read``, ``load`` and ``export`` here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from programmes.catalogue import spec, store, writer
from programmes.catalogue.reader import Catalogue, Problem, read_catalogue

__all__ = ["Catalogue", "ExportReport", "Problem", "checksums", "export", "load", "read"]


def _paths(fixtures_dir: Path | None, sources_file: Path | None) -> tuple[Path, Path]:
    return (
        Path(fixtures_dir or settings.CATALOGUE_FIXTURES_DIR),
        Path(sources_file or settings.CATALOGUE_SOURCES_FILE),
    )


def read(fixtures_dir: Path | None = None, sources_file: Path | None = None) -> Catalogue:
    """Read and check every catalogue file; the database is not touched."""
    fixtures, sources = _paths(fixtures_dir, sources_file)
    return read_catalogue(fixtures, sources, Path(settings.BASE_DIR))


def checksums(catalogue: Catalogue) -> dict[str, str]:
    """SHA-256 of every file read, so a load can be traced to the exact files."""
    return {name: hashlib.sha256(raw).hexdigest() for name, raw in sorted(catalogue.files.items())}


def unexported_edits(catalogue: Catalogue, *, prune: bool = False) -> list[store.AdminEdit]:
    return store.unexported_edits(catalogue, prune=prune)


def load(catalogue: Catalogue, *, prune: bool = False) -> store.LoadReport:
    return store.load(catalogue, prune=prune)


@dataclass
class ExportReport:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def export(
    fixtures_dir: Path | None = None,
    sources_file: Path | None = None,
    *,
    dry_run: bool = False,
) -> ExportReport:
    """Write the database back to the catalogue files, in their layout.

    One-entry files whose entry is no longer in the database are removed, so a programme
    deleted in the admin disappears from the files too. With ``dry_run`` nothing is
    written and the report says what would change.
    """
    fixtures, sources = _paths(fixtures_dir, sources_file)
    base = Path(settings.BASE_DIR)
    report = ExportReport()
    outputs: dict[Path, str] = {}
    data = store.dump_catalogue()
    for kind in spec.KINDS:
        entries = data[kind.name]
        if kind is spec.SOURCE:
            outputs[sources] = writer.render_list(kind, list(entries.values()))
        elif kind.one_per_file:
            folder = fixtures / kind.path
            for slug, entry in entries.items():
                outputs[folder / f"{slug}.yaml"] = writer.render_entry(kind, entry)
            for stale in sorted(folder.glob("*.yaml")):
                if stale not in outputs:
                    report.removed.append(_rel(stale, base))
                    if not dry_run:
                        stale.unlink()
        else:
            ordered = list(entries.values())
            if kind is spec.PLACE:
                ordered = _places_top_down(entries)
            outputs[fixtures / kind.path] = writer.render_list(kind, ordered)
    for path, text in outputs.items():
        if dry_run:
            changed = not path.exists() or path.read_text(encoding="utf-8") != text
        else:
            changed = writer.write_if_changed(path, text)
        if changed:
            report.written.append(_rel(path, base))
        else:
            report.unchanged += 1
    return report


KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        ["nation", "region", "combined-authority", "lep-area", "county", "local-authority"]
    )
}


def _places_top_down(entries: dict[str, dict]) -> list[dict]:
    """Places ordered so that each comes after every place containing it, larger kinds
    first and then by name, which reads like an atlas index."""
    depth: dict[str, int] = {}

    def depth_of(slug: str, trail: frozenset[str] = frozenset()) -> int:
        if slug not in depth:
            parents = [
                p for p in entries[slug].get("parents", []) if p in entries and p not in trail
            ]
            depth[slug] = 1 + max((depth_of(p, trail | {slug}) for p in parents), default=-1)
        return depth[slug]

    return sorted(
        entries.values(),
        key=lambda e: (depth_of(e["slug"]), KIND_ORDER.get(e["kind"], 99), e["name"], e["slug"]),
    )


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
