"""Who a programme is for, and how well it fits: every business rule of the finder,
each written once.

A business is a ``BusinessProfile`` (what the user told the finder); a programme is a
``ProgrammeRules`` (what it requires). Each eligibility criterion is one object in
``CRITERIA`` that holds the rule both ways it is needed:

* ``explain``: the outcome for one programme with the reason in words, for the cards;
* ``columns`` and ``decide``: the same outcome for the whole catalogue at once, as
  arrays (``finder/index.py`` keeps the columns and adds up the verdicts).

The two sit side by side so that a change to a rule is made in one place, and
tests/programmes/test_rules_agree.py holds them together over generated catalogues in
which every criterion is set. The ranking factors (``FACTORS``) and the status a
programme has on a date (``STATUS``) are written the same way.

Each criterion answers in one of three states:

* *met* — the programme restricts it and the business qualifies;
* *unmet* — the programme restricts it and the business does not qualify;
* *unknown* — the programme restricts it and the user did not say (or the finder does
  not ask), so an adviser has to check.

A criterion the programme does not restrict gives no reason at all. The only exception
is geography, which the catalogue always states: a programme with no places is reported
as unknown rather than treated as open to everyone.

It imports nothing from the app's models (the models import the QuerySet that imports
this module), and never touches a request or the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache

import numpy as np
import snowballstemmer
from django.conf import settings
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
RULES_ALL = "all"
RULES_PARTLY = "partly"
#: The stage of a business not yet trading (a stable slug of the stage vocabulary).
STAGE_PRE_START = "pre-start"

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

# Ranking weights (``FACTORS``). Support the user asked for counts most; then a
# programme made for their sector (or serving a cluster that covers it); then how local
# it is; then being open now. The words searched for add the database's text rank
# (``ProgrammeQuerySet.matching``).
FIT_SUPPORT = 100  # per wanted support type the programme offers
FIT_SECTOR = 30  # the programme is restricted to the user's sector
FIT_CLUSTER = 20  # ...or serves a Plan for Growth cluster covering the user's sector
FIT_PLACE = 5  # per level of PLACE_KIND_RANK (local authority 5 ... nation 1)
FIT_OPEN = 10  # open now, rather than opening soon (or closed/proposed, when shown)
FIT_WORDS = 30  # mentions every word searched for (a share of it for some of them)


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
    (``Place.objects.containing``); ``location_inside`` every place inside it; and
    ``location_overlapping`` every place sharing part of its area without containing all
    of it (those inside it among them): all resolved before matching
    (``finder.vocabulary.Vocabulary.location``), so matching needs no database.
    A postcode is resolved the same way (``Vocabulary.postcode``): a partial one that
    spans several places names them in ``location_covers``.
    ``location_name``, ``sector_name`` and ``stage_name`` are only for wording; without
    them the slug is shown.
    """

    location: str | None = None
    location_name: str | None = None
    location_within: frozenset[str] = frozenset()
    location_inside: frozenset[str] = frozenset()
    location_overlapping: frozenset[str] = frozenset()
    #: The places a partial postcode covers parts of ("Coventry", "Solihull"), when more
    #: than one: which of them the business is in is not known.
    location_covers: tuple[str, ...] = ()
    #: The postcode the business gave, as people write it ("CV1 2AB", "CV7"), and
    #: where it is, in words ("CV1 2AB is in Coventry.").
    postcode: str | None = None
    postcode_found: str = ""
    #: The places the postcode was found in: its local authority, the authorities a
    #: partial postcode covers parts of, or its nation for an authority not listed.
    postcode_places: tuple[Term, ...] = ()
    sector: str | None = None
    sector_name: str | None = None
    #: The sector and every broader one it is a kind of (``Vocabulary.sector``).
    sector_within: frozenset[str] = frozenset()
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
    #: Whether the business is led by women (None: not said).
    led_by_women: bool | None = None

    def __post_init__(self) -> None:
        # A place always lies within itself, even if the caller forgot to say so; and the
        # free text is compared word by word, so surrounding spaces mean nothing.
        if self.location and self.location not in self.location_within:
            object.__setattr__(
                self, "location_within", frozenset(self.location_within) | {self.location}
            )
        if self.sector and self.sector not in self.sector_within:
            object.__setattr__(self, "sector_within", frozenset(self.sector_within) | {self.sector})
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

    @property
    def answered(self) -> bool:
        """Whether the user told the finder anything about the business."""
        numbers = (self.employees, self.turnover, self.funding)
        figures = (self.employees_3y_ago, self.turnover_3y_ago)
        return bool(self.location or self.sector or self.stage or self.support or self.q) or any(
            value is not None for value in (*numbers, *figures)
        )

    @property
    def gave_growth_figures(self) -> bool:
        return self.employees_3y_ago is not None or self.turnover_3y_ago is not None

    @cached_property
    def search_terms(self) -> dict[str, str]:
        """The words searched for, by their stem, each as the user first typed it."""
        terms: dict[str, str] = {}
        for word in WORD.findall(self.q):
            folded = word.casefold()
            if folded not in COMMON_WORDS:
                terms.setdefault(stem(folded), word)
        return terms

    @property
    def place_words(self) -> str:
        return self.location_name or _humanise(self.location or "")

    @property
    def sector_words(self) -> str:
        return self.sector_name or _humanise(self.sector or "")

    @property
    def stage_words(self) -> str:
        return (self.stage_name or self.stage or "").lower()


# --- Words ---------------------------------------------------------------------------

#: A whole word: letters and digits, so "Export?" is "Export" and "EV" is never inside
#: "develop".
WORD = re.compile(r"[^\W_]+")
#: Words too common to tell one programme from another.
COMMON_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by for from in into is it its of on or our that the their "
        "this to with you your",
    )
)


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The stem of a casefolded word, by the Snowball English stemmer: "export",
    "exports" and "exporting" are one word to the search. A number is its own stem."""
    if word.isdigit():
        return word
    return snowballstemmer.stemmer("english").stemWord(word)


def stems(text: str) -> frozenset[str]:
    """The stems of the words of ``text``, common words left out."""
    return frozenset(
        stem(word) for word in WORD.findall(text.casefold()) if word not in COMMON_WORDS
    )


# --- The programme -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Term:
    """One entry of a vocabulary: a sector, stage or support type; or a programme a
    closed one points to."""

    slug: str
    name: str

    @classmethod
    def of(cls, item) -> Term:
        """The term for a ``Sector``, ``Stage``, ``SupportType`` or ``Programme`` row."""
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

    @property
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


#: The rules a programme takes from its linked rows: by the name of its link, how a
#: linked row is made a rule.
LINKED: dict[str, Callable[[object], object]] = {
    "places": PlaceRule.of,
    "sectors": Term.of,
    "stages": Term.of,
    "support_types": Term.of,
    "providers": Term.of,
    "clusters": ClusterRule.of,
}

#: The programme's own columns the rules read.
COLUMNS = (
    "slug",
    "name",
    "status",
    "closes_on",
    "summary",
    "description",
    "employees_min",
    "employees_max",
    "turnover_min",
    "turnover_max",
    "growth",
    "audience",
    "rules_known",
    "eligibility_note",
    "amount_min",
    "amount_max",
    "how_to_apply",
)


@dataclass(frozen=True, kw_only=True)
class ProgrammeRules:
    """Everything matching needs to know about one programme, and what a result card
    shows of it.

    Empty sectors/stages, absent min/max and growth/audience "any" mean no restriction.
    ``status`` is the status field; ``status_on`` is the status on a given day.
    """

    slug: str
    name: str
    status: str = STATUS_OPEN
    closes_on: datetime.date | None = None
    summary: str = ""
    description: str = ""
    places: tuple[PlaceRule, ...] = ()
    sectors: tuple[Term, ...] = ()
    stages: tuple[Term, ...] = ()
    support_types: tuple[Term, ...] = ()
    providers: tuple[Term, ...] = ()
    clusters: tuple[ClusterRule, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None
    turnover_min: int | None = None
    turnover_max: int | None = None
    growth: str = GROWTH_ANY
    audience: str = AUDIENCE_ANY
    #: RULES_PARTLY when the sources leave some of its rules out.
    rules_known: str = RULES_ALL
    eligibility_note: str = ""
    amount_min: int | None = None
    amount_max: int | None = None
    #: How to take it up, when a source says; otherwise the card names the front door.
    how_to_apply: str = ""
    #: Where to go instead once it has closed.
    successors: tuple[Term, ...] = ()
    #: The year of its newest source (0: none is dated): how fresh what we know is.
    evidence_year: int = 0

    @classmethod
    def from_programme(cls, programme) -> ProgrammeRules:
        """The rules of a ``Programme`` instance. Reads related rows through ``.all()``
        only, so with ``Programme.objects.with_match_details()`` it makes no query."""
        return cls(
            **{name: getattr(programme, name) for name in COLUMNS},
            **{
                name: tuple(make(row) for row in getattr(programme, name).all())
                for name, make in LINKED.items()
            },
            successors=tuple(
                Term.of(relation.related)
                for relation in programme.relations.all()
                if relation.kind == KIND_SUCCEEDED_BY
            ),
            evidence_year=programme.evidence_year,
        )

    def status_on(self, today: datetime.date | None) -> str:
        """The status a reader sees on ``today`` (``STATUS``)."""
        return status_on(self.status, self.closes_on, today)

    def confirmed_on(self, today: datetime.date | None) -> bool:
        """Whether its status rests on evidence recent enough to show as confirmed on
        ``today`` (without a day, it is not)."""
        return today is not None and bool(confirmed(self.evidence_year, today))

    @property
    def offers_money(self) -> bool:
        return self.amount_min is not None or self.amount_max is not None

    # The rules in words.

    @cached_property
    def place_names(self) -> str:
        return _or_list(place.name for place in self.places)

    @cached_property
    def sector_slugs(self) -> frozenset[str]:
        return frozenset(term.slug for term in self.sectors)

    @cached_property
    def words(self) -> frozenset[str]:
        """The stems of the words searched for that it mentions: in its name, summary,
        description, providers, sectors and the clusters it serves."""
        names = (term.name for term in (*self.providers, *self.sectors, *self.clusters))
        return stems(" ".join([self.name, self.summary, self.description, *names]))

    def closest_place(self, within: frozenset[str]) -> PlaceRule | None:
        """The most local of the programme's places among ``within`` (a business's place
        and those containing it), or None."""
        inside = [place for place in self.places if place.slug in within]
        return max(inside, key=lambda place: place.rank) if inside else None


#: ProgrammeRelation.Kind.SUCCEEDED_BY, repeated for the reason STATUS_OPEN is.
KIND_SUCCEEDED_BY = "succeeded-by"


# --- Columns: the catalogue as arrays ------------------------------------------------


class Table:
    """Which terms of a vocabulary each programme names: a row per programme (in
    catalogue order), a column per slug any programme names."""

    def __init__(self, named: Iterable[Iterable[str]]) -> None:
        rows = [frozenset(slugs) for slugs in named]
        self.column = {slug: i for i, slug in enumerate(sorted(set().union(*rows)))}
        table = np.zeros((len(rows), len(self.column)), dtype=bool, order="F")
        for row, slugs in enumerate(rows):
            table[row, [self.column[slug] for slug in slugs]] = True
        self.table = table
        #: The programmes naming any term: those the vocabulary restricts.
        self.any = table.any(axis=1)

    def count(self, slugs: Iterable[str]) -> np.ndarray:
        """How many of ``slugs`` each programme names (slugs none names count for none)."""
        columns = [self.column[slug] for slug in slugs if slug in self.column]
        return self.table[:, columns].sum(axis=1, dtype=np.int64)

    def having(self, slugs: Iterable[str]) -> np.ndarray:
        """The programmes naming at least one of ``slugs``."""
        return self.count(slugs) > 0


def _bounds(catalogue: Sequence[ProgrammeRules], low: str, high: str) -> tuple[np.ndarray, ...]:
    """Each programme's ``low`` and ``high`` ends as numbers, with stand-ins for an end
    left open that no answer falls outside (answers are 0 or more, and below 2 ** 63),
    and whether either end is set."""
    lows = [getattr(rules, low) for rules in catalogue]
    highs = [getattr(rules, high) for rules in catalogue]
    return (
        np.array([-1 if v is None else v for v in lows], dtype=np.int64),
        np.array([np.iinfo(np.int64).max if v is None else v for v in highs], dtype=np.int64),
        np.array(
            [a is not None or b is not None for a, b in zip(lows, highs, strict=True)], dtype=bool
        ),
    )


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


@dataclass(frozen=True)
class Verdicts:
    """One criterion decided for every programme: which fail it, and which it leaves
    unknown (a programme in neither meets it, or is not restricted by it)."""

    unmet: np.ndarray  # bool
    unknown: np.ndarray  # bool


class Criterion:
    """One eligibility rule. Subclasses write ``explain`` (one programme, in words) and
    ``columns`` with ``decide`` (every programme at once) next to each other; the two
    must give the same outcome, which the tests check."""

    name: str
    #: Whether a business could do something about failing it (ask for another amount,
    #: grow): near misses on such criteria are listed before the others.
    actionable = False

    def explain(self, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
        """The outcome for one programme with its reason, or None when the programme
        does not restrict this criterion."""
        raise NotImplementedError

    def columns(self, catalogue: Sequence[ProgrammeRules]) -> object:
        """What ``decide`` reads of the whole catalogue, made once per catalogue."""
        raise NotImplementedError

    def decide(self, columns, profile: BusinessProfile) -> Verdicts:
        """``explain``'s outcome for every programme of the catalogue at once."""
        raise NotImplementedError

    def __call__(self, *, rules: ProgrammeRules, profile: BusinessProfile) -> Reason | None:
        return self.explain(rules, profile)

    def reason(self, outcome: Outcome, text: str) -> Reason:
        return Reason(criterion=self.name, outcome=outcome, text=text)


def _none(size: int) -> np.ndarray:
    return np.zeros(size, dtype=bool)


class Geography(Criterion):
    """A business qualifies when the whole of its place lies inside the programme's
    area: its place is, or sits inside, one of the programme's places. It does not when
    none of its place does. When its place only overlaps the programme's area — a region
    holding the programme's city, say — it is unknown, and the reason names the places
    that qualify. The catalogue always names the places, so an empty list is unknown (a
    data gap to check with the provider), never "anywhere"."""

    name = "geography"

    def explain(self, rules, profile):
        if not rules.places:
            return self.reason(
                Outcome.UNKNOWN,
                "The programme doesn't say where businesses must be; check with the provider.",
            )
        names = rules.place_names
        if not profile.location:
            return self.reason(
                Outcome.UNKNOWN,
                f"You didn't say where your business is; it is open to businesses in {names}.",
            )
        closest = rules.closest_place(profile.location_within)
        if closest is not None:
            if closest.slug == profile.location:
                where = "that is where you are"
            else:
                where = f"{profile.place_words} is inside it"
            return self.reason(Outcome.MET, f"Open to businesses in {closest.name}; {where}.")
        shared = [place for place in rules.places if place.slug in profile.location_overlapping]
        if shared and profile.location_covers:
            return self.reason(
                Outcome.UNKNOWN,
                f"Open to businesses in {names}; {profile.place_words} covers parts of "
                f"{_and_list(profile.location_covers)}: check that your business is in "
                f"{_or_list(place.name for place in shared)}.",
            )
        if shared:
            inside = all(place.slug in profile.location_inside for place in shared)
            verb = "includes" if inside else "overlaps"
            return self.reason(
                Outcome.UNKNOWN,
                f"Open to businesses in {names}; {profile.place_words} {verb} "
                f"{_or_list(place.name for place in shared)}: check that your business is "
                "there.",
            )
        area = "that area" if len(rules.places) == 1 else "those areas"
        return self.reason(
            Outcome.UNMET,
            f"Open to businesses in {names}; {profile.place_words} is outside {area}.",
        )

    def columns(self, catalogue):
        return Table([place.slug for place in rules.places] for rules in catalogue)

    def decide(self, places: Table, profile):
        if not profile.location:
            return Verdicts(unmet=_none(len(places.any)), unknown=~_none(len(places.any)))
        inside = places.having(profile.location_within)
        partly = places.having(profile.location_overlapping) & ~inside
        return Verdicts(unmet=places.any & ~inside & ~partly, unknown=~places.any | partly)


class OneOf(Criterion):
    """A programme that names terms of a vocabulary (sectors, stages) is only for
    businesses with one of them. The profile's answer is its field named ``name``; the
    programme's terms are its field ``terms``."""

    terms: str
    unanswered: str  # "{names}"
    answered: str  # "{names}", "{answer}"

    def names(self, rules: ProgrammeRules) -> str:
        return _or_list(term.name for term in getattr(rules, self.terms))

    def answer_words(self, profile: BusinessProfile) -> str:
        raise NotImplementedError

    def answers(self, profile: BusinessProfile) -> frozenset[str]:
        """The terms the business's answer meets: the answer itself, by default."""
        return frozenset({getattr(profile, self.name)})

    def explain(self, rules, profile):
        terms = getattr(rules, self.terms)
        if not terms:
            return None
        answer = getattr(profile, self.name)
        if not answer:
            return self.reason(Outcome.UNKNOWN, self.unanswered.format(names=self.names(rules)))
        met = [term for term in terms if term.slug in self.answers(profile)]
        words = self.answer_words(profile)
        if met and answer not in {term.slug for term in met}:
            words = f"{words}, which is a kind of {met[0].name.lower()}"
        return self.reason(
            Outcome.MET if met else Outcome.UNMET,
            self.answered.format(names=self.names(rules), answer=words),
        )

    def columns(self, catalogue):
        return Table([term.slug for term in getattr(rules, self.terms)] for rules in catalogue)

    def decide(self, table: Table, profile):
        if not getattr(profile, self.name):
            return Verdicts(unmet=_none(len(table.any)), unknown=table.any)
        met = table.having(self.answers(profile))
        return Verdicts(unmet=table.any & ~met, unknown=_none(len(table.any)))


class Sector(OneOf):
    name = "sector"
    terms = "sectors"
    unanswered = "You didn't say which sector you are in; it is for businesses in {names}."
    answered = "For businesses in {names}; you are in {answer}."

    def answer_words(self, profile):
        return profile.sector_words

    def answers(self, profile):
        """Sectors nest: a business in automotive is in manufacturing too."""
        return profile.sector_within


class Stage(OneOf):
    """Stages: pre-start, start-up, established."""

    name = "stage"
    terms = "stages"
    unanswered = "You didn't say how long you have been trading; it is for {names} businesses."
    answered = "For {names} businesses; yours is {answer}."

    def names(self, rules):
        return super().names(rules).lower()

    def answer_words(self, profile):
        return profile.stage_words


class InRange(Criterion):
    """A programme with a range (a minimum, a maximum or both) is for businesses whose
    answer lies inside it, ends included."""

    low: str
    high: str
    show: Callable[[int], str]
    unanswered: str  # "{wanted}"
    answered: str  # "{wanted}", "{answer}"

    def explain(self, rules, profile):
        low, high = getattr(rules, self.low), getattr(rules, self.high)
        if low is None and high is None:
            return None
        wanted = describe_range(low, high, show=self.show)
        answer = getattr(profile, self.name)
        if answer is None:
            return self.reason(Outcome.UNKNOWN, self.unanswered.format(wanted=wanted))
        met = (low is None or answer >= low) and (high is None or answer <= high)
        return self.reason(
            Outcome.MET if met else Outcome.UNMET,
            self.answered.format(wanted=wanted, answer=self.show(answer)),
        )

    def columns(self, catalogue):
        return _bounds(catalogue, self.low, self.high)

    def decide(self, columns, profile):
        lows, highs, restricted = columns
        answer = getattr(profile, self.name)
        if answer is None:
            return Verdicts(unmet=_none(len(lows)), unknown=restricted)
        return Verdicts(unmet=(lows > answer) | (highs < answer), unknown=_none(len(lows)))


class Employees(InRange):
    name = "employees"
    actionable = True
    low, high = "employees_min", "employees_max"
    show = staticmethod(format_count)
    unanswered = "You didn't say how many employees you have; it is for businesses with {wanted}."
    answered = "For businesses with {wanted} employees; you have {answer}."


class Turnover(InRange):
    name = "turnover"
    actionable = True
    low, high = "turnover_min", "turnover_max"
    show = staticmethod(format_money)
    unanswered = (
        "You didn't say what your turnover is; it is for businesses with turnover of {wanted}."
    )
    answered = "For businesses with turnover of {wanted}; yours is {answer}."


class Funding(InRange):
    """A programme that offers money per business suits a business looking for an
    amount in that range. Only applies when it offers money."""

    name = "funding"
    actionable = True
    low, high = "amount_min", "amount_max"
    show = staticmethod(format_money)
    unanswered = (
        "You didn't say how much funding you are looking for; it offers {wanted} per business."
    )
    answered = "Offers {wanted} per business; you are looking for {answer}."


class Growth(Criterion):
    """Growth restrictions, by the OECD scaleup measure.

    "scaleup": met or not met by the measure, unknown without the figures.
    "potential-scaleup": a scaleup qualifies; anyone else may, so it is unknown until an
    adviser has looked at their plans — never failed, but by a business not yet trading.
    A business not yet trading has no growth to show: both are unmet for it.
    """

    name = "growth"

    def explain(self, rules, profile):
        test = profile.scaleup
        if rules.growth == GROWTH_SCALEUP:
            lead = "For scaleups by the OECD measure."
        elif rules.growth == GROWTH_POTENTIAL_SCALEUP:
            lead = "For scaleups and businesses with the potential to scale."
        else:
            return None
        if profile.stage == STAGE_PRE_START:
            return self.reason(
                Outcome.UNMET, f"{lead} Yours is not yet trading, so it has no growth to show yet."
            )
        if rules.growth == GROWTH_SCALEUP:
            outcome = {True: Outcome.MET, False: Outcome.UNMET, None: Outcome.UNKNOWN}
            return self.reason(outcome[test.result], f"{lead} {test.text}")
        if test.result:
            return self.reason(Outcome.MET, f"{lead} {test.text}")
        return self.reason(Outcome.UNKNOWN, f"{lead} An adviser will check your growth plans.")

    def columns(self, catalogue):
        growth = np.array([rules.growth for rules in catalogue], dtype=str)
        return growth == GROWTH_SCALEUP, growth == GROWTH_POTENTIAL_SCALEUP

    def decide(self, columns, profile):
        scaleup, potential = columns
        result = profile.scaleup.result
        if profile.stage == STAGE_PRE_START:
            return Verdicts(unmet=scaleup | potential, unknown=_none(len(scaleup)))
        if result is True:
            return Verdicts(unmet=_none(len(scaleup)), unknown=_none(len(scaleup)))
        if result is False:
            return Verdicts(unmet=scaleup, unknown=potential)
        return Verdicts(unmet=_none(len(scaleup)), unknown=scaleup | potential)


class Audience(Criterion):
    """A programme for a particular group of people: women leaders and managers. Met
    when the business says it is led by women. Otherwise unknown, never unmet: a
    business not led by women may still have a woman manager who can take part."""

    name = "audience"

    def explain(self, rules, profile):
        if rules.audience == AUDIENCE_ANY:
            return None
        who = AUDIENCE_WORDING.get(rules.audience, _humanise(rules.audience).lower())
        if rules.audience == AUDIENCE_WOMEN_LEADERS and profile.led_by_women:
            return self.reason(Outcome.MET, f"For {who}; your business is led by women.")
        if rules.audience == AUDIENCE_WOMEN_LEADERS and profile.led_by_women is False:
            return self.reason(
                Outcome.UNKNOWN,
                f"For {who}; your business is not led by women, but a woman who leads or "
                "manages in it may still take part: check with the provider.",
            )
        return self.reason(
            Outcome.UNKNOWN,
            f"For {who}; you didn't say whether your business is led by women, so check "
            "that you qualify.",
        )

    def columns(self, catalogue):
        return (
            np.array([rules.audience != AUDIENCE_ANY for rules in catalogue], dtype=bool),
            np.array([rules.audience == AUDIENCE_WOMEN_LEADERS for rules in catalogue]),
        )

    def decide(self, columns, profile):
        restricted, women = columns
        met = women if profile.led_by_women else _none(len(restricted))
        return Verdicts(unmet=_none(len(restricted)), unknown=restricted & ~met)


class RulesKnown(Criterion):
    """A programme whose sources leave some of its rules out can never be called
    eligible: whatever the business answers, a rule nobody has told us about may still
    rule it out, so this is unknown, and the reason gives the note."""

    name = "rules"

    def explain(self, rules, profile):
        if rules.rules_known != RULES_PARTLY:
            return None
        note = f" {rules.eligibility_note}" if rules.eligibility_note else ""
        return self.reason(
            Outcome.UNKNOWN,
            f"Our sources give only some of its rules.{note} Check the rest with the provider "
            "before you apply.",
        )

    def columns(self, catalogue):
        return np.array([rules.rules_known == RULES_PARTLY for rules in catalogue], dtype=bool)

    def decide(self, partly, profile):
        return Verdicts(unmet=_none(len(partly)), unknown=partly)


geography = Geography()
sector = Sector()
stage = Stage()
employees = Employees()
turnover = Turnover()
growth = Growth()
audience = Audience()
funding = Funding()
rules_known = RulesKnown()

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
    rules_known,
)

#: The names of the criteria a business could act on.
ACTIONABLE = frozenset(criterion.name for criterion in CRITERIA if criterion.actionable)


# --- Status on a date ----------------------------------------------------------------


def status_on(status: str, closes_on: datetime.date | None, today: datetime.date | None) -> str:
    """The status a reader should see on ``today``: a programme whose closing date has
    passed is closed, whatever its status field says (the date is a fact from the
    source, while the field goes stale until someone reviews the entry); closing today
    still counts as open. Otherwise, or with no ``today``, the status field stands."""
    if today is not None and closes_on is not None and closes_on < today:
        return STATUS_CLOSED
    return status


#: The statuses the finder lists unless closed and proposed programmes are asked for.
LISTED = (STATUS_OPEN, STATUS_OPENING_SOON)


def confirmed(evidence_year, today: datetime.date):
    """Whether a status resting on evidence from ``evidence_year`` (the newest of a
    programme's sources; 0 when none is dated) may be shown as confirmed on ``today``:
    only when that evidence is at most ``FINDER_EVIDENCE_MONTHS`` old, counting a year's
    evidence from its last month (the most recent it can be). Works on one year or on
    an array of them."""
    months_old = (today.year - evidence_year) * 12 + today.month - 12
    return months_old <= settings.FINDER_EVIDENCE_MONTHS


class Status:
    """``status_on`` for every programme at once."""

    def columns(self, catalogue: Sequence[ProgrammeRules]) -> tuple[np.ndarray, ...]:
        never = datetime.date.max.toordinal()
        return (
            np.array([rules.status for rules in catalogue], dtype=str),
            np.array(
                [never if r.closes_on is None else r.closes_on.toordinal() for r in catalogue],
                dtype=np.int64,
            ),
        )

    def on(self, columns, today: datetime.date) -> np.ndarray:
        """Each programme's status on ``today``."""
        status, closes_on = columns
        return np.where(closes_on < today.toordinal(), STATUS_CLOSED, status)

    def listed(self, columns, today: datetime.date) -> np.ndarray:
        """Whether each programme is listed on ``today`` (``LISTED``)."""
        return np.isin(self.on(columns, today), LISTED)


STATUS = Status()


# --- Ranking -------------------------------------------------------------------------


class Factor:
    """One reason a programme ranks higher, worth points. Like a criterion, written for
    one programme (``explain``: its points and words, or none) and for every programme
    (``points``) side by side."""

    def explain(
        self, rules: ProgrammeRules, profile: BusinessProfile, today: datetime.date | None
    ) -> tuple[int, str | None]:
        raise NotImplementedError

    def columns(self, catalogue: Sequence[ProgrammeRules]) -> object:
        raise NotImplementedError

    def points(self, columns, profile: BusinessProfile, today: datetime.date) -> np.ndarray:
        raise NotImplementedError


class SupportWanted(Factor):
    """Each kind of support the user asked for that the programme offers. Asking for
    support also narrows the list to programmes offering at least one (``offers``)."""

    def explain(self, rules, profile, today):
        wanted = [term for term in rules.support_types if term.slug in profile.support]
        if not wanted:
            return 0, None
        words = _and_list(term.name.lower() for term in wanted)
        return len(wanted) * FIT_SUPPORT, f"Offers {words}, which you asked for"

    def columns(self, catalogue):
        return Table([term.slug for term in rules.support_types] for rules in catalogue)

    def points(self, table: Table, profile, today):
        return table.count(profile.support) * FIT_SUPPORT

    @staticmethod
    def offers(rules: ProgrammeRules, profile: BusinessProfile) -> bool:
        """Whether the programme belongs in the list for the support asked for: all do
        when none is asked for."""
        return not profile.support or any(t.slug in profile.support for t in rules.support_types)


class SectorFit(Factor):
    """A programme made for the user's sector, or a broader one it is a kind of;
    failing that, one serving a Plan for Growth cluster that covers it."""

    def explain(self, rules, profile, today):
        if not profile.sector:
            return 0, None
        if profile.sector in rules.sector_slugs:
            return FIT_SECTOR, "Specific to your sector"
        broader = [term for term in rules.sectors if term.slug in profile.sector_within]
        if broader:
            return FIT_SECTOR, f"Specific to {broader[0].name.lower()}, which includes your sector"
        for cluster in rules.clusters:
            if profile.sector in cluster.sector_slugs:
                return FIT_CLUSTER, f"Serves the {cluster.name} cluster, which includes your sector"
        return 0, None

    def columns(self, catalogue):
        return (
            Table([term.slug for term in rules.sectors] for rules in catalogue),
            Table(
                [slug for cluster in rules.clusters for slug in cluster.sector_slugs]
                for rules in catalogue
            ),
        )

    def points(self, columns, profile, today):
        own, clusters = columns
        if not profile.sector:
            return np.zeros(len(own.any), dtype=np.int64)
        return np.where(
            own.having(profile.sector_within),
            FIT_SECTOR,
            np.where(clusters.having([profile.sector]), FIT_CLUSTER, 0),
        )


class Locality(Factor):
    """How local the most local of the programme's places containing the user is."""

    def explain(self, rules, profile, today):
        closest = rules.closest_place(profile.location_within)
        if closest is None:
            return 0, None
        points = closest.rank * FIT_PLACE
        if closest.rank >= PLACE_KIND_RANK["combined-authority"]:
            return points, f"Local to {closest.name}"
        if closest.rank == PLACE_KIND_RANK["region"]:
            return points, f"Covers the {closest.name} region"
        if closest.rank == PLACE_KIND_RANK["nation"]:
            return points, f"Nationwide ({closest.name})"
        return points, None

    def columns(self, catalogue):
        ranks: dict[str, int] = {}
        for rules in catalogue:
            ranks.update((place.slug, place.rank) for place in rules.places)
        places = Table([place.slug for place in rules.places] for rules in catalogue)
        rank = np.zeros(len(places.column), dtype=np.int64)
        for slug, column in places.column.items():
            rank[column] = ranks[slug]
        return places, rank

    def points(self, columns, profile, today):
        places, rank = columns
        within = [places.column[s] for s in profile.location_within if s in places.column]
        if not within:
            return np.zeros(len(places.any), dtype=np.int64)
        return (places.table[:, within] * rank[within]).max(axis=1) * FIT_PLACE


class OpenNow(Factor):
    """Open now, by recent evidence (``confirmed``), rather than opening soon, not
    confirmed, or closed or proposed when those are shown."""

    def explain(self, rules, profile, today):
        if rules.status_on(today) == STATUS_OPEN and rules.confirmed_on(today):
            return FIT_OPEN, "Open now"
        return 0, None

    def columns(self, catalogue):
        years = np.array([rules.evidence_year for rules in catalogue], dtype=np.int64)
        return STATUS.columns(catalogue), years

    def points(self, columns, profile, today):
        status, years = columns
        return ((STATUS.on(status, today) == STATUS_OPEN) & confirmed(years, today)) * FIT_OPEN


class Words(Factor):
    """The words searched for that it mentions, as whole words and by their stem: up
    to ``FIT_WORDS`` for mentioning every one. Words only rank: they never hide a
    programme the answers match."""

    def explain(self, rules, profile, today):
        terms = profile.search_terms
        found = [word for term, word in terms.items() if term in rules.words]
        if not found:
            return 0, None
        words = _and_list(f"“{word}”" for word in found)
        return FIT_WORDS * len(found) // len(terms), f"Mentions {words}"

    def columns(self, catalogue):
        """For each word, the programmes mentioning it (a word per programme is in no
        other: a table of them all would be as wide as the catalogue)."""
        rows: dict[str, list[int]] = {}
        for row, rules in enumerate(catalogue):
            for word in rules.words:
                rows.setdefault(word, []).append(row)
        return len(catalogue), {
            word: np.array(found, dtype=np.int32) for word, found in rows.items()
        }

    def points(self, columns, profile, today):
        size, mentioning = columns
        found = np.zeros(size, dtype=np.int64)
        terms = profile.search_terms
        for term in terms:
            found[mentioning.get(term, [])] += 1
        return found * FIT_WORDS // max(len(terms), 1)


#: The ranking factors, in the order their words are shown.
support_wanted = SupportWanted()
FACTORS: tuple[Factor, ...] = (support_wanted, SectorFit(), Locality(), OpenNow(), Words())


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


@dataclass(frozen=True, kw_only=True)
class Match:
    """How one programme matches one business: the level, each criterion's reason, and
    the ranking factors that applied with the points they give (words searched for
    aside: those the database ranks)."""

    programme_slug: str
    level: Level
    reasons: list[Reason] = field(default_factory=list)
    fit: list[str] = field(default_factory=list)
    points: int = 0

    @property
    def unmet(self) -> list[Reason]:
        return [reason for reason in self.reasons if reason.outcome == Outcome.UNMET]

    @property
    def unknown(self) -> list[Reason]:
        return [reason for reason in self.reasons if reason.outcome == Outcome.UNKNOWN]

    @property
    def actionable(self) -> bool:
        """Whether every criterion it fails is one the business could act on."""
        return all(reason.criterion in ACTIONABLE for reason in self.unmet)


def evaluate(
    *, rules: ProgrammeRules, profile: BusinessProfile, today: datetime.date | None = None
) -> Match:
    """Match one programme against one business, criterion by criterion.

    The level follows ``level_for``; the reasons come in the order of ``CRITERIA``, one
    for each criterion the programme restricts (geography always). ``today`` decides
    whether it is open now (without it, the status field does).
    """
    reasons = [reason for criterion in CRITERIA if (reason := criterion.explain(rules, profile))]
    points = 0
    fit = []
    for factor in FACTORS:
        earned, words = factor.explain(rules, profile, today)
        points += earned
        if words:
            fit.append(words)
    return Match(
        programme_slug=rules.slug,
        level=level_for(reasons),
        reasons=reasons,
        fit=fit,
        points=points,
    )
