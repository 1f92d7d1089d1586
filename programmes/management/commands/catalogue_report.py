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
        "List the programmes content staff should check, oldest evidence first: those not "
        "checked against current information in the last --months months (default 6) or "
        "ever, those still marked open after their closing date, those open on evidence "
        "too old to confirm it, those with no way in for some places, and those with facts "
        "not from the source documents. Programmes generated for benchmarks are left out. "
        "Changes nothing; always exits 0, so it can run on a schedule."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--months",
            type=positive_months,
            default=review.REVIEW_MONTHS,
            help="How recently a programme must have been checked as current "
            "(default: %(default)s).",
        )

    def handle(self, *args, months: int, **options) -> None:
        today = timezone.localdate()
        cutoff = review.verified_cutoff(months=months, today=today)
        catalogue = Programme.objects.filter(is_generated=False)
        found = review.findings(catalogue, months=months, today=today)
        labels = {
            **review.REASONS,
            review.NOT_VERIFIED: f"Not checked against current information since "
            f"{cutoff:%-d %B %Y} ({_plural(months, 'month')})",
        }

        self.stdout.write(f"Catalogue report for {today:%-d %B %Y}")
        for reason, label in labels.items():
            listed = [finding for finding in found if reason in finding.reasons]
            self.stdout.write("")
            self.stdout.write(f"{label}: {len(listed)}")
            for finding in listed:
                self.stdout.write(f"  {finding.programme.slug}: {_detail(reason, finding)}")
        self.stdout.write("")
        self.stdout.write("Oldest evidence first, with every reason (as the admin's filter):")
        for finding in found:
            self.stdout.write(
                f"  {finding.programme.slug} (evidence {finding.evidence_year or 'undated'}): "
                + ", ".join(finding.reasons)
            )
        self.stdout.write("")
        total = catalogue.count()
        if found:
            self.stdout.write(
                self.style.WARNING(
                    f"{_plural(len(found), 'programme')} of {total} "
                    f"{'needs' if len(found) == 1 else 'need'} review. "
                    "Correct the files in fixtures/ "
                    "(or the admin, then export_catalogue); set last_verified when you have "
                    "checked an entry against current information, documents_read_on when "
                    "you have read it against its documents."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"None of the {total} programmes need review."))


def _detail(reason: str, finding: review.Finding) -> str:
    """What a content editor needs to see about ``finding`` for ``reason``."""
    programme = finding.programme
    if reason == review.NOT_VERIFIED:
        checked = programme.last_verified
        when = f"checked {checked:%-d %B %Y}" if checked else "never checked"
        return f"{programme.name} ({when})"
    if reason == review.PAST_CLOSING:
        return (
            f"{programme.name} ({programme.get_status_display().lower()}, "
            f"closing date {programme.closes_on:%-d %B %Y})"
        )
    if reason == review.UNCONFIRMED:
        return f"{programme.name} ({programme.get_status_display().lower()}, latest evidence " + (
            f"{finding.evidence_year})" if finding.evidence_year else "undated)"
        )
    if reason == review.OUTSIDE_DOCUMENTS:
        return f"{programme.name} ({programme.outside_documents or 'its providers or places'})"
    return programme.name
