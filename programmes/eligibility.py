"""Who a programme is for, decided criterion by criterion, with the reason in words.

This module is pure: it reads two frozen dataclasses — a ``BusinessProfile`` (what the
user told the finder) and a ``ProgrammeRules`` (what the programme requires) — and never
touches a request or the database, so every rule is testable from a table. The database
decides the same rules in bulk in ``programmes.querysets.ProgrammeQuerySet.for_finder``;
the two must agree, and tests/programmes/test_querysets.py checks that they do.

Each criterion answers in one of three states:

* *met* — the programme restricts it and the business qualifies;
* *unmet* — the programme restricts it and the business does not qualify;
* *unknown* — the programme restricts it and the user did not say (or the finder does
  not ask), so an adviser has to check.

A criterion the programme does not restrict gives no reason at all. The only exception
is geography, which the catalogue always states: a programme with no places is reported
as unknown rather than treated as open to everyone.

It imports nothing from the app's models, because the models import the QuerySet that
imports this module.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from django.db import models

# Values of Programme.Status / Growth / Audience and Place.Kind. Repeated here rather than
# imported (see the module docstring); tests/programmes/test_eligibility.py checks they
# still match the models.
STATUS_OPEN = "open"
STATUS_OPENING_SOON = "opening-soon"
STATUS_CLOSED = "closed"
STATUS_PROPOSED = "proposed"
GROWTH_ANY = "any"
GROWTH_POTENTIAL_SCALEUP = "potential-scaleup"
GROWTH_SCALEUP = "scaleup"
AUDIENCE_ANY = "any"
AUDIENCE_WOMEN_LEADERS = "women-leaders"

#: How local a kind of place is; the finder ranks the most local programme first.
#: A local authority beats a county, which beats a combined authority or LEP area,
#: which beats a region, which beats a nation.
PLACE_KIND_RANK: dict[str, int] = {
    "local-authority": 5,
    "county": 4,
    "combined-authority": 3,
    "lep-area": 3,
    "region": 2,
    "nation": 1,
}

#: The OECD measure: 10 or more employees at the start of the three years...
SCALEUP_MIN_EMPLOYEES = 10
#: ...and average growth above 20% a year, i.e. now / then > 1.2 ** 3 = 216 / 125
#: (1.728). Kept as an exact fraction: 1.2 ** 3 in floating point is 1.7279999999999998,
#: which would wrongly count growth of exactly 72.8% as above the line.
SCALEUP_GROWTH_OVER_THREE_YEARS = Fraction(6, 5) ** 3

AUDIENCE_WORDING: dict[str, str] = {
    AUDIENCE_WOMEN_LEADERS: "women leaders and managers",
}


# --- Money and ranges ---------------------------------------------------------------

MILLION = 1_000_000
BILLION = 1_000_000_000


def _in_units(amount: int, unit: int) -> str | None:
    """The amount in ``unit`` to at most two decimal places, or None if that would round."""
    value = Decimal(amount) / unit
    if value != value.quantize(Decimal("0.01")):
        return None
    return f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")


def format_money(amount: int) -> str:
    """An amount of pounds as a UK reader writes it: £25,000, £1m, £2.5m, £1.2bn.

    Round amounts from a million are shortened to millions (or billions); anything the
    short form would round is written in full (£1,234,567), because a reason that says
    "up to £5m; you are looking for £5m" when the user typed £5,001,000 would make no
    sense. Negative amounts keep their sign in front of the pound sign.
    """
    if amount < 0:
        return f"-{format_money(-amount)}"
    for unit, suffix in ((BILLION, "bn"), (MILLION, "m")):
        if amount >= unit:
            short = _in_units(amount, unit)
            if short is not None:
                return f"£{short}{suffix}"
    return f"£{amount:,}"


def format_count(number: int) -> str:
    """A count with thousands separators: 11,200."""
    return f"{number:,}"


def describe_range(
    low: int | None, high: int | None, *, show: Callable[[int], str] = format_count
) -> str:
    """A min/max pair in words: "10 to 249", "10 or more", "up to 249" (or "" if neither)."""
    if low is None and high is None:
        return ""
    if low is None:
        return f"up to {show(high)}"
    if high is None:
        return f"{show(low)} or more"
    if low == high:
        return show(low)
    return f"{show(low)} to {show(high)}"


def _or_list(words: Iterable[str]) -> str:
    """ "A", "A or B", "A, B or C"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _and_list(words: Iterable[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _humanise(slug: str) -> str:
    """A readable stand-in for a name the caller did not give: "food-and-drink" → "Food and
    drink"."""
    return slug.replace("-", " ").capitalize()


# --- The business --------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleupTest:
    """The OECD scaleup measure applied to the user's figures.

    ``result`` is True or False when the figures decide it and None when they do not;
    ``text`` says back to the user what was worked out, with the numbers.
    """

    result: bool | None
    text: str


def _growth_words(then: int, now: int) -> str:
    """Average annual growth from ``then`` (> 0) to ``now`` over three years, in words."""
    rate = (now / then) ** (1 / 3) - 1
    percent = rate * 100
    # Near the 20% line a whole number can mislead ("20%" for 19.7% or 20.4%), so show a
    # decimal place there.
    shown = f"{abs(percent):.1f}" if abs(abs(percent) - 20) < 0.5 else f"{abs(percent):.0f}"
    if percent < 0:
        return f"an average fall of {shown}% a year"
    return f"average growth of {shown}% a year"


def _grew_above_line(then: int, now: int) -> bool:
    """Average growth above 20% a year over three years, in exact arithmetic."""
    return Fraction(now, then) > SCALEUP_GROWTH_OVER_THREE_YEARS


def _scaleup_test(
    *,
    employees: int | None,
    employees_3y_ago: int | None,
    turnover: int | None,
    turnover_3y_ago: int | None,
) -> ScaleupTest:
    if employees_3y_ago is None:
        return ScaleupTest(
            None,
            "To check the OECD scaleup measure we need how many employees you had three "
            "years ago (it starts from 10 or more), and your employees or turnover now "
            "and then.",
        )
    if employees_3y_ago < SCALEUP_MIN_EMPLOYEES:
        return ScaleupTest(
            False,
            f"You had {format_count(employees_3y_ago)} employees three years ago; the OECD "
            f"scaleup measure starts from {SCALEUP_MIN_EMPLOYEES} or more, so you don't "
            "meet it.",
        )

    # Each leg is True/False when measurable and None when not.
    employees_leg: bool | None = None
    employees_words = ""
    if employees is not None:
        employees_leg = _grew_above_line(employees_3y_ago, employees)
        employees_words = (
            f"You had {format_count(employees_3y_ago)} employees three years ago and "
            f"{format_count(employees)} now: " + _growth_words(employees_3y_ago, employees)
        )

    turnover_leg: bool | None = None
    turnover_words = ""
    turnover_missing = turnover is None or turnover_3y_ago is None
    if not turnover_missing:
        if turnover_3y_ago > 0:
            turnover_leg = _grew_above_line(turnover_3y_ago, turnover)
            turnover_words = (
                f"Your turnover went from {format_money(turnover_3y_ago)} three years ago "
                f"to {format_money(turnover)} now: " + _growth_words(turnover_3y_ago, turnover)
            )
        else:
            # Growth from nothing has no rate, so this leg cannot decide either way.
            turnover_words = (
                f"Your turnover three years ago was {format_money(turnover_3y_ago)}, so "
                "growth in turnover cannot be measured as a yearly rate"
            )

    meets = "so you meet the OECD scaleup measure."
    if employees_leg:
        return ScaleupTest(True, f"{employees_words}, {meets}")
    if turnover_leg:
        return ScaleupTest(True, f"{turnover_words}, {meets}")

    said = [words for words in (employees_words, turnover_words) if words]
    line = "the OECD scaleup measure needs more than 20% a year in employees or turnover"
    if employees_leg is False and turnover_leg is False:
        return ScaleupTest(False, f"{'. '.join(said)}; {line}, so you don't meet it.")

    missing = []
    if employees is None:
        missing.append("your employees now")
    if turnover_missing:
        missing.append("your turnover now and three years ago")
    if not said:
        return ScaleupTest(
            None,
            f"You had {format_count(employees_3y_ago)} employees three years ago. Give "
            f"{_or_list(missing)} to check the OECD scaleup measure.",
        )
    ask = f" Give {_or_list(missing)} to check." if missing else ""
    return ScaleupTest(None, f"{'. '.join(said)}; {line}.{ask}")


@dataclass(frozen=True, kw_only=True)
class BusinessProfile:
    """What the user told the finder about their business. Every answer is optional.

    ``location_within`` is the user's place and every place containing it, transitively
    (``Place.objects.containing``), resolved before matching so matching needs no
    database. ``location_name``, ``sector_name`` and ``stage_name`` are only for wording;
    without them the slug is shown.
    """

    location: str | None = None
    location_name: str | None = None
    location_within: frozenset[str] = frozenset()
    sector: str | None = None
    sector_name: str | None = None
    stage: str | None = None
    stage_name: str | None = None
    employees: int | None = None
    turnover: int | None = None
    funding: int | None = None
    support: frozenset[str] = frozenset()
    q: str = ""
    employees_3y_ago: int | None = None
    turnover_3y_ago: int | None = None
    include_closed: bool = False

    def __post_init__(self) -> None:
        # A place always lies within itself, even if the caller forgot to say so; and the
        # free text is compared word by word, so surrounding spaces mean nothing.
        if self.location and self.location not in self.location_within:
            object.__setattr__(
                self, "location_within", frozenset(self.location_within) | {self.location}
            )
        object.__setattr__(self, "support", frozenset(self.support))
        object.__setattr__(self, "q", (self.q or "").strip())

    @cached_property
    def scaleup(self) -> ScaleupTest:
        """Whether the business is a scaleup by the OECD measure, from its figures.

        A scaleup had 10 or more employees three years ago and has grown by more than
        20% a year on average since, in employees or in turnover (now / then above
        1.2³ = 1.728). Too few figures to decide give ``result=None``; a zero starting
        turnover cannot be turned into a rate, so that leg cannot decide.
        """
        return _scaleup_test(
            employees=self.employees,
            employees_3y_ago=self.employees_3y_ago,
            turnover=self.turnover,
            turnover_3y_ago=self.turnover_3y_ago,
        )

    @cached_property
    def chosen_answers(self) -> dict[Criterion, tuple]:
        """For each criterion in ``CHOSEN_ANSWERS``, the answers it reads, as a key."""
        return {
            criterion: (criterion, *(getattr(self, name) for name in names))
            for criterion, names in CHOSEN_ANSWERS.items()
        }

    @cached_property
    def fit_answers(self) -> tuple:
        """The answers the ranking factors read, but for the words searched for, as a
        key (``ProgrammeRules.answers_fit``)."""
        return (self.support, self.sector, self.location_within)

    # The answers in words, worked out once per business (a search explains some thirty
    # programmes to it).

    @cached_property
    def employees_words(self) -> str:
        return "" if self.employees is None else format_count(self.employees)

    @cached_property
    def turnover_words(self) -> str:
        return "" if self.turnover is None else format_money(self.turnover)

    @cached_property
    def funding_words(self) -> str:
        return "" if self.funding is None else format_money(self.funding)

    @cached_property
    def search_words(self) -> tuple[tuple[str, str], ...]:
        """The words searched for, each as typed and casefolded."""
        return tuple((word, word.casefold()) for word in self.q.split())

    @property
    def place_words(self) -> str:
        return self.location_name or _humanise(self.location or "")

    @property
    def sector_words(self) -> str:
        return self.sector_name or _humanise(self.sector or "")

    @property
    def stage_words(self) -> str:
        return (self.stage_name or self.stage or "").lower()


# --- The programme -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Term:
    """One entry of a vocabulary: a sector, stage or support type."""

    slug: str
    name: str

    @classmethod
    def of(cls, item) -> Term:
        """The term for a ``Sector``, ``Stage`` or ``SupportType`` row."""
        return cls(slug=item.slug, name=item.name)


@dataclass(frozen=True, kw_only=True)
class PlaceRule:
    slug: str
    name: str
    kind: str

    @classmethod
    def of(cls, place) -> PlaceRule:
        """The rule for a ``Place`` row."""
        return cls(slug=place.slug, name=place.name, kind=place.kind)

    @cached_property
    def rank(self) -> int:
        return PLACE_KIND_RANK.get(self.kind, 0)


@dataclass(frozen=True, kw_only=True)
class ClusterRule:
    """A Plan for Growth cluster a programme serves, with the sectors the cluster covers."""

    slug: str
    name: str
    sector_slugs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, cluster) -> ClusterRule:
        """The rule for a ``Cluster`` row (reads its sectors through ``.all()``)."""
        return cls(
            slug=cluster.slug,
            name=cluster.name,
            sector_slugs=frozenset(sector.slug for sector in cluster.sectors.all()),
        )


# The rules a programme takes from its linked rows: by the name of its link, how a
# linked row is made a rule.
LINKED: dict[str, Callable[[object], object]] = {
    "places": PlaceRule.of,
    "sectors": Term.of,
    "stages": Term.of,
    "support_types": Term.of,
    "clusters": ClusterRule.of,
}


@dataclass(frozen=True, kw_only=True)
class ProgrammeRules:
    """Everything matching needs to know about one programme.

    Empty sectors/stages, absent min/max and growth/audience "any" mean no restriction.
    """

    slug: str
    name: str
    status: str = STATUS_OPEN
    summary: str = ""
    description: str = ""
    places: tuple[PlaceRule, ...] = ()
    sectors: tuple[Term, ...] = ()
    stages: tuple[Term, ...] = ()
    support_types: tuple[Term, ...] = ()
    clusters: tuple[ClusterRule, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None
    turnover_min: int | None = None
    turnover_max: int | None = None
    growth: str = GROWTH_ANY
    audience: str = AUDIENCE_ANY
    amount_min: int | None = None
    amount_max: int | None = None

    @classmethod
    def from_programme(
        cls,
        programme,
        *,
        today: datetime.date | None = None,
        linked: Mapping[str, tuple] | None = None,
    ) -> ProgrammeRules:
        """The rules of a ``Programme`` instance, with its status as on ``today``
        (``Programme.effective_status``: past its closing date it is closed).

        Reads related objects through ``.all()`` only, so with
        ``Programme.objects.with_match_details()`` this costs no query. A caller that
        holds them already passes ``linked`` instead: for each link in LINKED, the
        programme's linked rows made rules, in the order ``.all()`` would list them.
        """
        if linked is None:
            linked = {
                name: tuple(make(row) for row in getattr(programme, name).all())
                for name, make in LINKED.items()
            }
        return cls(
            slug=programme.slug,
            name=programme.name,
            status=str(programme.effective_status(today)),
            summary=programme.summary,
            description=programme.description,
            **{name: linked[name] for name in LINKED},
            employees_min=programme.employees_min,
            employees_max=programme.employees_max,
            turnover_min=programme.turnover_min,
            turnover_max=programme.turnover_max,
            growth=programme.growth,
            audience=programme.audience,
            amount_min=programme.amount_min,
            amount_max=programme.amount_max,
        )

    @property
    def offers_money(self) -> bool:
        return self.amount_min is not None or self.amount_max is not None

    # The rules in words, worked out once per rules (a search explains the same
    # programme to many businesses).

    @cached_property
    def place_names(self) -> str:
        return _or_list(place.name for place in self.places)

    @cached_property
    def sector_names(self) -> str:
        return _or_list(term.name for term in self.sectors)

    @cached_property
    def sector_slugs(self) -> frozenset[str]:
        return frozenset(term.slug for term in self.sectors)

    @cached_property
    def stage_names(self) -> str:
        return _or_list(term.name.lower() for term in self.stages)

    @cached_property
    def stage_slugs(self) -> frozenset[str]:
        return frozenset(term.slug for term in self.stages)

    @cached_property
    def employees_wanted(self) -> str:
        return describe_range(self.employees_min, self.employees_max)

    @cached_property
    def turnover_wanted(self) -> str:
        return describe_range(self.turnover_min, self.turnover_max, show=format_money)

    @cached_property
    def amount_offered(self) -> str:
        return describe_range(self.amount_min, self.amount_max, show=format_money)

    @cached_property
    def search_text(self) -> str:
        """The text the words searched for are looked for in, casefolded."""
        return f"{self.name} {self.summary} {self.description}".casefold()

    def reason(self, criterion: Criterion, profile: BusinessProfile) -> Reason | None:
        """``criterion``'s reason for ``profile``. Kept per answers read for a criterion
        whose answers are chosen from a list (``CHOSEN_ANSWERS``): a search explains the
        same programme to many businesses in the same place, sector or stage."""
        key = profile.chosen_answers.get(criterion)
        if key is None:
            return criterion(rules=self, profile=profile)
        known = self.__dict__.setdefault("_reasons", {})
        reason = known.get(key, _UNKEPT)
        if reason is _UNKEPT:
            reason = known[key] = criterion(rules=self, profile=profile)
        return reason

    @cached_property
    def restricted(self) -> tuple[Criterion, ...]:
        """The criteria that can give this programme a reason (``CRITERIA`` in order):
        those it restricts, and geography always. Each criterion gives None for a
        programme it does not restrict, whatever the business, so the rest need not
        be asked."""
        return tuple(criterion for criterion in CRITERIA if _RESTRICTS[criterion](self))

    def answers_fit(self, profile: BusinessProfile) -> tuple[str, ...]:
        """The ranking factors ``profile``'s answers chosen from a list decide (all but
        the words searched for). Kept per those answers, ``FIT_KEPT`` at most: a search
        explains the same programme to many businesses asking alike."""
        key = profile.fit_answers
        known = self.__dict__.setdefault("_fit", {})
        fit = known.get(key)
        if fit is None:
            if len(known) >= FIT_KEPT:
                known.clear()
            fit = known[key] = _answers_fit(self, profile)
        return fit

    def closest_place(self, within: frozenset[str]) -> PlaceRule | None:
        """The most local of the programme's places among ``within`` (a business's place
        and those containing it), or None. Kept per ``within``: one per place at most."""
        known = self.__dict__.setdefault("_closest", {})
        if within not in known:
            inside = [place for place in self.places if place.slug in within]
            known[within] = max(inside, key=lambda place: place.rank) if inside else None
        return known[within]


# --- Criteria ------------------------------------------------------------------------


class Outcome(models.TextChoices):
    MET = "met", "Met"
    UNMET = "unmet", "Not met"
    UNKNOWN = "unknown", "Unknown"


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One criterion's outcome and the sentence that explains it to the user."""

    criterion: str
    outcome: Outcome
    text: str


def geography(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason:
    """A business qualifies when its place is, or sits inside, one of the programme's
    places. The catalogue always names the places, so an empty list is unknown (a data
    gap to check with the provider), never "anywhere"."""
    if not rules.places:
        return Reason(
            criterion="geography",
            outcome=Outcome.UNKNOWN,
            text="The programme doesn't say where businesses must be; check with the provider.",
        )
    names = rules.place_names
    if not profile.location:
        return Reason(
            criterion="geography",
            outcome=Outcome.UNKNOWN,
            text=f"You didn't say where your business is; it is open to businesses in {names}.",
        )
    closest = rules.closest_place(profile.location_within)
    if closest is None:
        area = "that area" if len(rules.places) == 1 else "those areas"
        return Reason(
            criterion="geography",
            outcome=Outcome.UNMET,
            text=f"Open to businesses in {names}; {profile.place_words} is outside {area}.",
        )
    if closest.slug == profile.location:
        where = "that is where you are"
    else:
        where = f"{profile.place_words} is inside it"
    return Reason(
        criterion="geography",
        outcome=Outcome.MET,
        text=f"Open to businesses in {closest.name}; {where}.",
    )


def sector(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme that names sectors is only for businesses in one of them."""
    if not rules.sectors:
        return None
    names = rules.sector_names
    if not profile.sector:
        return Reason(
            criterion="sector",
            outcome=Outcome.UNKNOWN,
            text=f"You didn't say which sector you are in; it is for businesses in {names}.",
        )
    met = profile.sector in rules.sector_slugs
    return Reason(
        criterion="sector",
        outcome=Outcome.MET if met else Outcome.UNMET,
        text=f"For businesses in {names}; you are in {profile.sector_words}.",
    )


def stage(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme that names stages (pre-start, start-up, established) is only for
    businesses at one of them."""
    if not rules.stages:
        return None
    names = rules.stage_names
    if not profile.stage:
        return Reason(
            criterion="stage",
            outcome=Outcome.UNKNOWN,
            text=f"You didn't say how long you have been trading; it is for {names} businesses.",
        )
    met = profile.stage in rules.stage_slugs
    return Reason(
        criterion="stage",
        outcome=Outcome.MET if met else Outcome.UNMET,
        text=f"For {names} businesses; yours is {profile.stage_words}.",
    )


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def employees(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme with an employee range is for businesses inside it, ends included."""
    wanted = rules.employees_wanted
    if not wanted:
        return None
    if profile.employees is None:
        return Reason(
            criterion="employees",
            outcome=Outcome.UNKNOWN,
            text=(
                f"You didn't say how many employees you have; it is for businesses with {wanted}."
            ),
        )
    met = _within(profile.employees, rules.employees_min, rules.employees_max)
    return Reason(
        criterion="employees",
        outcome=Outcome.MET if met else Outcome.UNMET,
        text=f"For businesses with {wanted} employees; you have {profile.employees_words}.",
    )


def turnover(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme with a turnover range is for businesses inside it, ends included."""
    wanted = rules.turnover_wanted
    if not wanted:
        return None
    if profile.turnover is None:
        return Reason(
            criterion="turnover",
            outcome=Outcome.UNKNOWN,
            text=(
                "You didn't say what your turnover is; it is for businesses with turnover "
                f"of {wanted}."
            ),
        )
    met = _within(profile.turnover, rules.turnover_min, rules.turnover_max)
    return Reason(
        criterion="turnover",
        outcome=Outcome.MET if met else Outcome.UNMET,
        text=f"For businesses with turnover of {wanted}; yours is {profile.turnover_words}.",
    )


def growth(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """Growth restrictions, by the OECD scaleup measure.

    "scaleup": met or not met by the measure, unknown without the figures.
    "potential-scaleup": a scaleup qualifies; anyone else may, so it is unknown until an
    adviser has looked at their plans — never failed.
    """
    if rules.growth == GROWTH_SCALEUP:
        test = profile.scaleup
        outcome = {True: Outcome.MET, False: Outcome.UNMET, None: Outcome.UNKNOWN}[test.result]
        return Reason(
            criterion="growth",
            outcome=outcome,
            text=f"For scaleups by the OECD measure. {test.text}",
        )
    if rules.growth == GROWTH_POTENTIAL_SCALEUP:
        test = profile.scaleup
        lead = "For scaleups and businesses with the potential to scale."
        if test.result:
            return Reason(criterion="growth", outcome=Outcome.MET, text=f"{lead} {test.text}")
        return Reason(
            criterion="growth",
            outcome=Outcome.UNKNOWN,
            text=f"{lead} An adviser will check your growth plans.",
        )
    return None


def audience(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme for a particular group of people (such as women leaders). The finder
    doesn't ask who the user is, so this is always unknown."""
    if rules.audience == AUDIENCE_ANY:
        return None
    who = AUDIENCE_WORDING.get(rules.audience, _humanise(rules.audience).lower())
    return Reason(
        criterion="audience",
        outcome=Outcome.UNKNOWN,
        text=f"For {who}; the finder doesn't ask about this, so check that you qualify.",
    )


def funding(*, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
    """A programme that offers money per business (a minimum, a maximum or both) suits
    a business looking for an amount in that range. Only applies when it offers money."""
    if not rules.offers_money:
        return None
    offered = rules.amount_offered
    if profile.funding is None:
        return Reason(
            criterion="funding",
            outcome=Outcome.UNKNOWN,
            text=(
                "You didn't say how much funding you are looking for; it offers "
                f"{offered} per business."
            ),
        )
    met = _within(profile.funding, rules.amount_min, rules.amount_max)
    return Reason(
        criterion="funding",
        outcome=Outcome.MET if met else Outcome.UNMET,
        text=f"Offers {offered} per business; you are looking for {profile.funding_words}.",
    )


Criterion = Callable[..., Reason | None]

#: Every criterion, in the order reasons are shown.
CRITERIA: tuple[Criterion, ...] = (
    geography,
    sector,
    stage,
    employees,
    turnover,
    growth,
    audience,
    funding,
)


#: Whether a programme's rules restrict each criterion: where one does not, the
#: criterion gives it no reason (None), whatever the business answered.
_RESTRICTS: dict[Criterion, Callable[[ProgrammeRules], bool]] = {
    geography: lambda rules: True,
    sector: lambda rules: bool(rules.sectors),
    stage: lambda rules: bool(rules.stages),
    employees: lambda rules: bool(rules.employees_wanted),
    turnover: lambda rules: bool(rules.turnover_wanted),
    growth: lambda rules: rules.growth in (GROWTH_SCALEUP, GROWTH_POTENTIAL_SCALEUP),
    audience: lambda rules: rules.audience != AUDIENCE_ANY,
    funding: lambda rules: rules.offers_money,
}

#: The criteria whose reason depends only on answers chosen from a list (a place and the
#: places containing it, a sector, a stage, with their names) or on none, with the
#: profile's fields each reads: few distinct answers exist, so each programme's rules
#: keep these reasons (``ProgrammeRules.reason``). A criterion reading anything else
#: must not be listed.
CHOSEN_ANSWERS: dict[Criterion, tuple[str, ...]] = {
    geography: ("location", "location_within", "location_name"),
    sector: ("sector", "sector_name"),
    stage: ("stage", "stage_name"),
    audience: (),
}

# How many sets of answers each programme's rules keep the ranking factors for.
FIT_KEPT = 64

# A reason not yet worked out (a criterion may have none: None is kept too).
_UNKEPT = object()


# --- The match -----------------------------------------------------------------------


class Level(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    POSSIBLE = "possible", "Possible: check with an adviser"
    NEAR_MISS = "near-miss", "Near miss"
    INELIGIBLE = "ineligible", "Not eligible"


def level_for(reasons: Iterable[Reason]) -> Level:
    """Eligible when every criterion is met; possible when none is failed but some are
    unknown; a near miss when exactly one is failed; otherwise ineligible."""
    outcomes = [reason.outcome for reason in reasons]
    unmet = outcomes.count(Outcome.UNMET)
    if unmet == 1:
        return Level.NEAR_MISS
    if unmet > 1:
        return Level.INELIGIBLE
    if Outcome.UNKNOWN in outcomes:
        return Level.POSSIBLE
    return Level.ELIGIBLE


def fit_factors(*, rules: ProgrammeRules, profile: BusinessProfile) -> list[str]:
    """Why this programme ranks where it does, in words, in ranking order: the support
    the user asked for, sector or cluster specificity, how local it is, open now, and
    the words searched for."""
    fit = list(rules.answers_fit(profile))
    if profile.search_words:
        found = [word for word, folded in profile.search_words if folded in rules.search_text]
        if found:
            fit.append("Matches " + " ".join(f"“{word}”" for word in found))
    return fit


def _answers_fit(rules: ProgrammeRules, profile: BusinessProfile) -> tuple[str, ...]:
    """``fit_factors`` but for the words searched for: what the answers chosen from a
    list (``BusinessProfile.fit_answers``) and the programme's status decide."""
    fit: list[str] = []

    wanted = [term for term in rules.support_types if term.slug in profile.support]
    if wanted:
        fit.append(f"Offers {_and_list(term.name.lower() for term in wanted)}, which you asked for")

    if profile.sector:
        if profile.sector in rules.sector_slugs:
            fit.append("Specific to your sector")
        else:
            cluster = next((c for c in rules.clusters if profile.sector in c.sector_slugs), None)
            if cluster is not None:
                fit.append(f"Serves the {cluster.name} cluster, which includes your sector")

    closest = rules.closest_place(profile.location_within)
    if closest is not None:
        if closest.rank >= PLACE_KIND_RANK["combined-authority"]:
            fit.append(f"Local to {closest.name}")
        elif closest.rank == PLACE_KIND_RANK["region"]:
            fit.append(f"Covers the {closest.name} region")

    if rules.status == STATUS_OPEN:
        fit.append("Open now")
    return tuple(fit)


@dataclass(frozen=True, kw_only=True)
class Match:
    """How one programme matches one business: the level, each criterion's reason, and
    the ranking factors that applied."""

    programme_slug: str
    level: Level
    reasons: list[Reason] = field(default_factory=list)
    fit: list[str] = field(default_factory=list)

    @property
    def unmet(self) -> list[Reason]:
        return [reason for reason in self.reasons if reason.outcome == Outcome.UNMET]

    @property
    def unknown(self) -> list[Reason]:
        return [reason for reason in self.reasons if reason.outcome == Outcome.UNKNOWN]


def evaluate(*, rules: ProgrammeRules, profile: BusinessProfile) -> Match:
    """Match one programme against one business, criterion by criterion.

    The level follows ``level_for``; the reasons come in the order of ``CRITERIA``, one
    for each criterion the programme restricts (geography always).
    """
    reasons = [
        reason
        for criterion in rules.restricted
        if (reason := rules.reason(criterion, profile)) is not None
    ]
    return Match(
        programme_slug=rules.slug,
        level=level_for(reasons),
        reasons=reasons,
        fit=fit_factors(rules=rules, profile=profile),
    )


def match_programme(
    programme, profile: BusinessProfile, *, today: datetime.date | None = None
) -> Match:
    """``evaluate`` for a ``Programme`` instance; query-free after ``with_match_details()``."""
    return evaluate(rules=ProgrammeRules.from_programme(programme, today=today), profile=profile)
