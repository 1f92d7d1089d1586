"""Email each alert that is due what changed in its search, and delete alerts past
retention. Run it daily from cron (finder/alerts.py says what it sends)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from finder import alerts


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


class Command(BaseCommand):
    help = (
        "Check every email alert that is due (daily ones a day after they were last "
        "checked, weekly ones a week after) and email each subscriber what changed in "
        "their search since the last email: programmes newly found, near misses that "
        "have become matches, status and date changes, programmes no longer found. "
        "Nothing changed: nothing is sent. First deletes alerts confirmed more than "
        "FINDER_ALERT_RETENTION_DAYS days ago. Links in the emails start with "
        "FINDER_SITE_URL. --dry-run says what it would do and sends and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be sent; send nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        site = settings.FINDER_SITE_URL
        if not site.startswith(("http://", "https://")):
            raise CommandError(
                f"FINDER_SITE_URL={site!r}: set it to the site's address, like "
                "https://finder.example.org, for the links in the emails. Nothing was sent."
            )
        run = alerts.send_due(timezone.now(), site, dry_run=dry_run)
        would = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{would} {_plural(run.deleted, 'alert')} past retention "
            f"({_plural(settings.FINDER_ALERT_RETENTION_DAYS, 'day')} after confirmation)."
        )
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(
            f"Checked {_plural(run.checked, 'alert')} due: {run.sent} {verb} an email, "
            f"{run.unchanged} had nothing new."
        )
        if run.invalid:
            ids = ", ".join(str(pk) for pk in run.invalid)
            self.stdout.write(
                self.style.WARNING(
                    f"{_plural(len(run.invalid), 'alert')} skipped: the search is no longer "
                    f"valid (the catalogue may have dropped a place or sector it names). "
                    f"Alert ids: {ids}"
                )
            )
        if run.failed:
            for pk, why in run.failed:
                self.stderr.write(f"Alert {pk}: the email could not be sent: {why}")
            raise CommandError(
                f"{_plural(len(run.failed), 'alert')} could not be sent; "
                "they are left as they were and will be tried again next run."
            )
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was sent or changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
