"""Delete enquiries kept longer than the retention period, with everything about them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from finder.models import Enquiry, Referral


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


class Command(BaseCommand):
    help = (
        "Delete enquiries that nobody has touched for FINDER_ENQUIRY_RETENTION_DAYS days "
        "(default 730): the enquiry's updated_at, and the updated_at of every referral on "
        "it, are all older than that. Their referrals and the history of both go too. "
        "Prints the number deleted and the enquiry ids. --dry-run shows the same and "
        "deletes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = settings.FINDER_ENQUIRY_RETENTION_DAYS
        cutoff = timezone.now() - datetime.timedelta(days=days)
        with transaction.atomic():
            ids = sorted(Enquiry.objects.inactive_since(cutoff).values_list("pk", flat=True))
            referrals = Referral.objects.filter(enquiry_id__in=ids)
            # History rows are counted and deleted by enquiry id, so rows of referrals
            # that were removed earlier (whose history no longer hangs off a referral) go too.
            enquiry_history = Enquiry.history.filter(id__in=ids)
            referral_history = Referral.history.filter(enquiry_id__in=ids)
            counts = {
                "enquiries": len(ids),
                "referrals": referrals.count(),
                "history": enquiry_history.count() + referral_history.count(),
            }
            if not dry_run and ids:
                referral_history.delete()
                enquiry_history.delete()
                # Cascades to the referrals.
                Enquiry.objects.filter(pk__in=ids).delete()

        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"Retention: {_plural(days, 'day')}; enquiries last touched before "
            f"{timezone.localtime(cutoff):%-d %B %Y %H:%M} are past it."
        )
        if not ids:
            self.stdout.write(self.style.SUCCESS("No enquiries are past retention."))
            return
        self.stdout.write(
            f"{verb} {_plural(counts['enquiries'], 'enquiry', 'enquiries')}, "
            f"{_plural(counts['referrals'], 'referral')} and "
            f"{_plural(counts['history'], 'history row')}."
        )
        self.stdout.write(f"Enquiry ids: {', '.join(str(pk) for pk in ids)}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was deleted."))
        else:
            self.stdout.write(self.style.SUCCESS("Done."))
