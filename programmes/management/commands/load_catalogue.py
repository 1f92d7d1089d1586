"""Validate the catalogue files, then load them in one transaction."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from programmes import catalogue, history
from programmes.management.commands.validate_catalogue import report_problems
from programmes.models import CatalogueLoad


class Command(BaseCommand):
    help = (
        "Validate the catalogue files and load them into the database in one transaction. "
        "A file with any problem loads nothing. Loading the same files twice changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixtures", type=Path, help="Folder to read instead of fixtures/.")
        parser.add_argument(
            "--sources", type=Path, help="Source register instead of seeds/register.yaml."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete entries that are in the database but no longer in the files.",
        )

    def handle(
        self, *args, fixtures: Path | None, sources: Path | None, prune: bool, **options
    ) -> None:
        verbose = options["verbosity"] >= 1
        if verbose:
            self.stdout.write("Checking the catalogue files...")
        result = catalogue.read(fixtures, sources)
        report_problems(self, result)
        if verbose:
            self.stdout.write(f"Loading {len(result.files)} files...")
        # History rows from a load have no user; they say they came from this command.
        with history.change_reason("load_catalogue"):
            report = catalogue.load(result, prune=prune)
        lines = []
        for kind, slugs in report.added.items():
            if slugs:
                lines.append(f"  added {len(slugs)} {kind}: {', '.join(slugs)}")
        for kind, slugs in report.changed.items():
            if slugs:
                lines.append(f"  changed {len(slugs)} {kind}: {', '.join(slugs)}")
        for kind, slugs in report.removed.items():
            lines.append(f"  removed {len(slugs)} {kind}: {', '.join(slugs)}")
        for kind, slugs in report.not_in_files.items():
            lines.append(
                f"  {len(slugs)} {kind} in the database but not in the files (kept; "
                f"--prune deletes them): {', '.join(slugs)}"
            )
        removed = sum(len(slugs) for slugs in report.removed.values())
        summary = "\n".join(lines)
        CatalogueLoad.objects.create(
            files=catalogue.checksums(result),
            added=report.total_added,
            changed=report.total_changed,
            removed=removed,
            summary=summary,
        )
        if lines and verbose:
            self.stdout.write(summary)
        unchanged = sum(report.unchanged.values())
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the catalogue: {report.total_added} added, {report.total_changed} "
                    f"changed, {removed} removed, {unchanged} unchanged."
                )
            )
