"""List the programmes content staff should check again."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand
from django.utils import timezone

from programmes import review
from programmes.models import Programme


def positive_months(raw: str) -> int:
    """A number of months of at least 1, or a clear argument error."""
    try:
        months = int(raw)
    except ValueError:
        months = 0
    if months < 1:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of months, 1 or more (got {raw!r})"
        )
    return months


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "List programmes that need review: those not verified against their sources in "
        "the last --months months (default 6), and those still marked open or opening "
        "soon after their closing date. Programmes generated for benchmarks are left out. "
        "Changes nothing; always exits 0, so it can run on a schedule."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--months",
            type=positive_months,
            default=review.REVIEW_MONTHS,
            help="How recently a programme must have been verified (default: %(default)s).",
        )

    def handle(self, *args, months: int, **options) -> None:
        today = timezone.localdate()
        cutoff = review.verified_cutoff(months=months, today=today)
        catalogue = Programme.objects.filter(is_generated=False).order_by("name")
        stale = list(catalogue.filter(review.not_recently_verified(months=months, today=today)))
        past_closing = list(catalogue.filter(review.offered_after_closing(today=today)))

        self.stdout.write(f"Catalogue report for {today:%-d %B %Y}")
        self.stdout.write("")
        self.stdout.write(
            f"Not verified in the last {_plural(months, 'month')} "
            f"(last verified before {cutoff:%-d %B %Y}): {len(stale)}"
        )
        for programme in stale:
            self.stdout.write(
                f"  {programme.slug}: {programme.name} "
                f"(last verified {programme.last_verified:%-d %B %Y})"
            )
        self.stdout.write("")
        self.stdout.write(
            f"Still marked open or opening soon after the closing date: {len(past_closing)}"
        )
        for programme in past_closing:
            self.stdout.write(
                f"  {programme.slug}: {programme.name} "
                f"({programme.get_status_display().lower()}, "
                f"closing date {programme.closes_on:%-d %B %Y})"
            )
        self.stdout.write("")
        needing_review = {programme.pk for programme in stale + past_closing}
        if needing_review:
            self.stdout.write(
                self.style.WARNING(
                    f"{_plural(len(needing_review), 'programme')} of {catalogue.count()} "
                    f"{'needs' if len(needing_review) == 1 else 'need'} review. "
                    "Correct the files in fixtures/ "
                    "(or the admin, then export_catalogue) and update last_verified."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"None of the {catalogue.count()} programmes need review.")
            )
