"""Validate the catalogue files, then load them in one transaction."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programmes import catalogue, history
from programmes.management.commands.validate_catalogue import report_problems
from programmes.models import CatalogueLoad


class Command(BaseCommand):
    help = (
        "Validate the catalogue files and load them into the database in one transaction. "
        "A file with any problem loads nothing. Loading the same files twice changes nothing. "
        "It refuses to overwrite programmes or clusters edited in the admin and not "
        "exported since, unless given --overwrite-admin-edits."
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
        parser.add_argument(
            "--overwrite-admin-edits",
            action="store_true",
            help="Load even over admin edits that were not exported (they are lost).",
        )

    def handle(
        self,
        *args,
        fixtures: Path | None,
        sources: Path | None,
        prune: bool,
        overwrite_admin_edits: bool,
        **options,
    ) -> None:
        verbose = options["verbosity"] >= 1
        if verbose:
            self.stdout.write("Checking the catalogue files...")
        result = catalogue.read(fixtures, sources)
        report_problems(self, result)
        edits = catalogue.unexported_edits(result, prune=prune)
        if edits and not overwrite_admin_edits:
            for edit in edits:
                when = timezone.localtime(edit.when)
                self.stderr.write(
                    f"  {edit.kind} '{edit.slug}': changed in the admin by {edit.who} on "
                    f"{when:%-d %B %Y at %H:%M}, and not exported since"
                )
            count = len(edits)
            raise CommandError(
                f"{count} admin edit{'s' if count != 1 else ''} would be overwritten by the "
                "files; nothing was changed. Keep them: run export_catalogue, check and "
                "commit the files it rewrites, then load again. Discard them: load again "
                "with --overwrite-admin-edits.",
                returncode=1,
            )
        if verbose:
            self.stdout.write(f"Loading {len(result.files)} files...")
        # History rows from a load have no user; they say they came from this command.
        with history.change_reason(history.LOADED):
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
