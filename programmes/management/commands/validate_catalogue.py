"""Check every catalogue file without changing the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programmes import catalogue


class Command(BaseCommand):
    help = (
        "Check every catalogue file (fixtures/ and seeds/register.yaml): YAML syntax, "
        "unknown fields and references, required fields, ranges, dates, slugs, and values "
        "YAML would silently convert. Changes nothing. Exits 1 if there is any problem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fixtures", type=Path, help="Folder to read instead of fixtures/.")
        parser.add_argument(
            "--sources", type=Path, help="Source register instead of seeds/register.yaml."
        )

    def handle(self, *args, fixtures: Path | None, sources: Path | None, **options) -> None:
        result = catalogue.read(fixtures, sources)
        report_problems(self, result)
        counts = ", ".join(f"{len(entries)} {name}" for name, entries in result.entries.items())
        self.stdout.write(self.style.SUCCESS(f"The catalogue is valid: {counts}."))


def report_problems(command: BaseCommand, result: catalogue.Catalogue) -> None:
    """Print each problem on its own line and stop with exit status 1 if there are any."""
    if result.ok:
        return
    # File by file, top to bottom, as an editor goes through them.
    for problem in sorted(result.problems, key=lambda problem: (problem.path, problem.line or 0)):
        command.stderr.write(str(problem))
    count = len(result.problems)
    raise CommandError(
        f"{count} problem{'s' if count != 1 else ''} in the catalogue files; nothing was changed.",
        returncode=1,
    )
