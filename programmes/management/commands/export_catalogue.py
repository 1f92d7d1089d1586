"""Write the database back to the catalogue files, in the same layout."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programmes import catalogue


class Command(BaseCommand):
    help = (
        "Write the catalogue in the database back to fixtures/ and seeds/register.yaml in "
        "their layout, so edits made in the admin can be reviewed with git diff."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixtures", type=Path, help="Folder to write instead of fixtures/.")
        parser.add_argument(
            "--sources", type=Path, help="Source register instead of seeds/register.yaml."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; exit 1 if the files differ from the database.",
        )

    def handle(
        self, *args, fixtures: Path | None, sources: Path | None, check: bool, **options
    ) -> None:
        if fixtures is not None and not fixtures.is_dir():
            raise CommandError(f"--fixtures {fixtures}: no such folder.")
        report = catalogue.export(fixtures, sources, dry_run=check)
        verb = "would write" if check else "wrote"
        for name in report.written:
            self.stdout.write(f"  {verb} {name}")
        for name in report.removed:
            self.stdout.write(f"  {'would remove' if check else 'removed'} {name}")
        if check and (report.written or report.removed):
            raise CommandError(
                f"{len(report.written) + len(report.removed)} catalogue files differ "
                "from the database.",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported the catalogue: {len(report.written)} files {verb}, "
                f"{len(report.removed)} removed, {report.unchanged} unchanged."
            )
        )
