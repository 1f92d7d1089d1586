"""The adviser's desk on the admin home: the referrals they follow up, due first."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template
from django.db.models import F
from django.utils import timezone

from finder.models import Referral

register = template.Library()

# The desk lists this many of each; the referral list, filtered, has the rest.
DESK_LIMIT = 20


@dataclass(frozen=True)
class Desk:
    today: datetime.date
    due: list[Referral]
    due_count: int
    open: list[Referral]
    open_count: int


@register.simple_tag(takes_context=True)
def adviser_desk(context) -> Desk | None:
    """The open referrals the signed-in user follows up: those whose follow-up date has
    come (the most overdue first), and all of them (soonest follow-up first, those with
    no date last). None for a user who may not see referrals (content editors). Four
    queries."""
    user = context["request"].user
    if not user.has_perm("finder.view_referral"):
        return None
    today = timezone.localdate()
    mine = Referral.objects.followed_by(user).open().select_related("enquiry", "programme")
    due = mine.due_by(today).order_by("follow_up_on", "enquiry__business_name")
    soonest = mine.order_by(F("follow_up_on").asc(nulls_last=True), "enquiry__business_name")
    return Desk(
        today=today,
        due=list(due[:DESK_LIMIT]),
        due_count=due.count(),
        open=list(soonest[:DESK_LIMIT]),
        open_count=mine.count(),
    )
