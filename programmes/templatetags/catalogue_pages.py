"""Template filters for the public catalogue pages: money, paragraphs and status tags."""

from __future__ import annotations

from decimal import Decimal

from django import template

from programmes import describe
from programmes.models import Programme

register = template.Library()

# GOV.UK tag colours for a programme's status. Open is the one a business can act on, so
# it gets green; closed recedes in grey. The words always say the status, so the colour
# is never the only signal.
STATUS_TAG_CLASSES: dict[str, str] = {
    Programme.Status.OPEN: "govuk-tag--green",
    Programme.Status.OPENING_SOON: "govuk-tag--turquoise",
    Programme.Status.CLOSED: "govuk-tag--grey",
    Programme.Status.PROPOSED: "govuk-tag--purple",
}


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAG_CLASSES.get(str(status), "")


@register.filter
def money(amount: int | None) -> str:
    """£25,000 / £2.5m / £1.2bn, as in ``programmes.describe.format_money``."""
    return describe.format_money(amount)


@register.filter
def paragraphs(text: str) -> list[str]:
    """The catalogue writes one paragraph per line; a page renders each as a GOV.UK
    paragraph rather than Django's unclassed <p> from ``linebreaks``."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


@register.filter
def count(number: int | None) -> str:
    """11,200: a count with thousands separators."""
    return "" if number is None else describe.format_count(number)


@register.filter
def density_change(change: Decimal | None) -> str:
    """A change in scaleups per 100,000 people a year, in words: a reader should not
    have to work out what a minus sign means."""
    if change is None:
        return ""
    size = f"{abs(change):f}".rstrip("0").rstrip(".")
    if change < 0:
        return f"Fell by {size} scaleups per 100,000 people a year"
    if change > 0:
        return f"Rose by {size} scaleups per 100,000 people a year"
    return "No change"
