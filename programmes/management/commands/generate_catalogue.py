"""Fill the database with synthetic programmes, to see how the finder copes with a
national-sized catalogue (``make bench`` uses it on a throwaway database)."""

from __future__ import annotations

import argparse
import datetime
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clusters.models import Cluster, Place, Sector
from programmes.models import Programme, Provider, Stage, SupportType

DEFAULT_PROGRAMMES = 10_000
DEFAULT_SEED = 1
BATCH = 1_000
SLUG_PREFIX = "generated-"

# How programmes spread over the kinds of place they serve: most are run by a local
# authority, a combined authority or a region; a few serve the whole country.
PLACE_KIND_WEIGHTS = {
    Place.Kind.LOCAL_AUTHORITY: 40,
    Place.Kind.COMBINED_AUTHORITY: 18,
    Place.Kind.REGION: 14,
    Place.Kind.COUNTY: 8,
    Place.Kind.LEP_AREA: 8,
}
UK_WIDE_WEIGHT = 12  # programmes serving the United Kingdom (or a nation)

STATUS_WEIGHTS = {
    Programme.Status.OPEN: 76,
    Programme.Status.OPENING_SOON: 9,
    Programme.Status.CLOSED: 10,
    Programme.Status.PROPOSED: 5,
}
GROWTH_WEIGHTS = {
    Programme.Growth.ANY: 80,
    Programme.Growth.POTENTIAL_SCALEUP: 13,
    Programme.Growth.SCALEUP: 7,
}
# Money per business by kind of support: (least, most) in pounds.
MONEY = {
    "grant": [(1_000, 10_000), (5_000, 50_000), (10_000, 250_000)],
    "loan": [(25_000, 100_000), (50_000, 750_000), (100_000, 2_000_000)],
    "equity": [(50_000, 1_000_000), (250_000, 2_000_000), (500_000, 5_000_000)],
}
EMPLOYEE_RANGES = [(None, 9), (None, 49), (None, 249), (1, 249), (5, 249), (10, None), (10, 249)]
TURNOVER_RANGES = [
    (None, 2_000_000),
    (None, 10_000_000),
    (None, 50_000_000),
    (100_000, None),
    (500_000, 50_000_000),
    (1_000_000, None),
]
THEMES = [
    "Growth",
    "Scale",
    "Innovation",
    "Export",
    "Digital",
    "Green",
    "Net Zero",
    "Battery",
    "Productivity",
    "Leadership",
    "Future Mobility",
    "Health Tech",
    "Creative",
    "Supply Chain",
    "Advanced Manufacturing",
    "Low Carbon",
    "Investment",
    "Skills",
]
FORMS = ["Programme", "Fund", "Scheme", "Accelerator", "Service", "Partnership", "Challenge"]


@dataclass(frozen=True)
class Vocabulary:
    """The real catalogue's reference data that generated programmes point at."""

    places: dict[str, list[Place]]
    uk_wide: list[Place]
    sectors: list[Sector]
    stages: list[Stage]
    support_types: list[SupportType]
    providers: list[Provider]
    clusters: list[Cluster]


def positive_int(text: str) -> int:
    """argparse type for --programmes: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


class Command(BaseCommand):
    help = (
        "Add N synthetic programmes (default 10,000) for benchmarks, spread over the real "
        "places and vocabularies, which load_catalogue must have loaded first. Generated "
        "programmes are marked is_generated and slugged generated-00001...; a second run "
        "replaces them. The real catalogue is never touched, and load_catalogue and "
        "export_catalogue ignore generated programmes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--programmes",
            type=positive_int,
            default=DEFAULT_PROGRAMMES,
            metavar="N",
            help=f"How many programmes to generate (default {DEFAULT_PROGRAMMES:,}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Random seed: the same seed gives the same programmes (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--every-criterion",
            action="store_true",
            help=(
                "Make every programme restrict every eligibility criterion (places, "
                "sectors, stages, employees, turnover, growth and money; half of them the "
                "audience, half with rules only partly known), for tests that check each rule."
            ),
        )

    def handle(
        self, *args, programmes: int, seed: int, every_criterion: bool = False, **options
    ) -> None:
        vocabulary = read_vocabulary()
        rng = random.Random(seed)
        today = datetime.date.today()
        with transaction.atomic():
            removed = remove_generated()
            if removed:
                self.stdout.write(f"Removed {removed:,} generated programmes from an earlier run.")
            done = 0
            for start in range(0, programmes, BATCH):
                size = min(BATCH, programmes - start)
                create_batch(rng, vocabulary, start, size, today, every_criterion)
                done += size
                self.stdout.write(f"Generated {done:,} of {programmes:,} programmes...")
        # Bulk inserts send no signals: say the catalogue changed, so the finder's cached
        # answers (finder/cache.py) are not served from before it.
        from finder.cache import bump_catalogue_version

        bump_catalogue_version()
        self.stdout.write(self.style.SUCCESS(f"Generated {programmes:,} programmes (seed {seed})."))


def read_vocabulary() -> Vocabulary:
    """The places and vocabularies load_catalogue loads; refuse without them."""
    places: dict[str, list[Place]] = {}
    for place in Place.objects.order_by("slug"):
        places.setdefault(place.kind, []).append(place)
    uk_wide = places.get(Place.Kind.NATION, [])
    missing = [
        name
        for name, rows in [
            ("local authorities", places.get(Place.Kind.LOCAL_AUTHORITY)),
            ("nations", uk_wide),
            ("sectors", Sector.objects.exists()),
            ("stages", Stage.objects.exists()),
            ("support types", SupportType.objects.exists()),
        ]
        if not rows
    ]
    if missing:
        raise CommandError(
            f"The catalogue has no {', '.join(missing)}: run `manage.py load_catalogue` "
            "first, so generated programmes point at the real places and vocabularies."
        )
    # A UK-wide programme names the United Kingdom where the catalogue has it.
    uk = [place for place in uk_wide if place.slug == "united-kingdom"] or uk_wide
    return Vocabulary(
        places={kind: rows for kind, rows in places.items() if kind in PLACE_KIND_WEIGHTS},
        uk_wide=uk,
        sectors=list(Sector.objects.order_by("slug")),
        stages=list(Stage.objects.order_by("position")),
        support_types=list(SupportType.objects.order_by("position", "slug")),
        providers=list(Provider.objects.order_by("slug")),
        clusters=list(Cluster.objects.order_by("slug")),
    )


@contextmanager
def _history_off() -> Iterator[None]:
    """Generated programmes are benchmark data, not catalogue changes: deleting them
    must not write ten thousand rows into the programme history."""
    previous = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = previous


def remove_generated() -> int:
    """Delete every generated programme (and, by cascade, its links); the number
    deleted."""
    generated = Programme.objects.filter(is_generated=True)
    with _history_off():
        count = generated.count()
        generated.delete()
    return count


def create_batch(
    rng: random.Random,
    vocabulary: Vocabulary,
    start: int,
    size: int,
    today: datetime.date,
    every_criterion: bool = False,
) -> None:
    """Create ``size`` programmes numbered from ``start + 1`` and their many-to-many rows,
    one bulk insert per table."""
    made = [
        _programme(rng, vocabulary, start + offset + 1, today, every_criterion)
        for offset in range(size)
    ]
    created = Programme.objects.bulk_create([programme for programme, _ in made])
    if any(programme.pk is None for programme in created):  # backends without RETURNING
        ids = dict(
            Programme.objects.filter(slug__in=[p.slug for p in created]).values_list("slug", "pk")
        )
        for programme in created:
            programme.pk = ids[programme.slug]
    for field, related_name in [
        ("places", "place"),
        ("sectors", "sector"),
        ("stages", "stage"),
        ("support_types", "supporttype"),
        ("providers", "provider"),
        ("clusters", "cluster"),
    ]:
        through = getattr(Programme, field).through
        rows = [
            through(programme_id=programme.pk, **{f"{related_name}_id": row.pk})
            for programme, (_, links) in zip(created, made, strict=True)
            for row in links[field]
        ]
        through.objects.bulk_create(rows, batch_size=BATCH)


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, rows: Sequence, low: int, high: int) -> list:
    return rng.sample(list(rows), min(len(rows), rng.randint(low, high)))


def _programme(
    rng: random.Random,
    vocabulary: Vocabulary,
    number: int,
    today: datetime.date,
    every_criterion: bool = False,
) -> tuple[Programme, dict[str, list]]:
    """One synthetic programme and the rows it links to, by many-to-many field; with
    ``every_criterion``, one that restricts every eligibility criterion."""
    kinds = {
        kind: weight for kind, weight in PLACE_KIND_WEIGHTS.items() if kind in vocabulary.places
    }
    if rng.randrange(100) < UK_WIDE_WEIGHT or not kinds:
        places = [rng.choice(vocabulary.uk_wide)]
    else:
        kind = _weighted(rng, kinds)
        # A local authority scheme sometimes covers two or three neighbours.
        places = _some(
            rng, vocabulary.places[kind], 1, 3 if kind == Place.Kind.LOCAL_AUTHORITY else 1
        )

    # Most programmes take any sector; the rest name one to three.
    sectors = _some(rng, vocabulary.sectors, 1, 3) if rng.random() < 0.25 else []
    stages = _some(rng, vocabulary.stages, 1, 2) if rng.random() < 0.35 else []
    support_types = _some(rng, vocabulary.support_types, 1, 3)
    providers = _some(rng, vocabulary.providers, 1, 2) if vocabulary.providers else []
    clusters = (
        _some(rng, vocabulary.clusters, 1, 1) if vocabulary.clusters and rng.random() < 0.15 else []
    )

    status = _weighted(rng, STATUS_WEIGHTS)
    opens_on = closes_on = None
    if status == Programme.Status.OPEN and rng.random() < 0.4:
        closes_on = today + datetime.timedelta(days=rng.randint(30, 400))
    elif status == Programme.Status.OPENING_SOON:
        opens_on = today + datetime.timedelta(days=rng.randint(14, 180))
        closes_on = opens_on + datetime.timedelta(days=rng.randint(60, 365))
    elif status == Programme.Status.CLOSED:
        closes_on = today - datetime.timedelta(days=rng.randint(30, 900))

    amount_min = amount_max = fund_size = None
    money = [support.slug for support in support_types if support.slug in MONEY]
    if money:
        low, high = rng.choice(MONEY[money[0]])
        amount_min = low if rng.random() < 0.6 else None
        amount_max = high
        fund_size = high * rng.choice([20, 50, 100, 400])
    employees_min, employees_max = (
        rng.choice(EMPLOYEE_RANGES) if rng.random() < 0.45 else (None, None)
    )
    turnover_min, turnover_max = (
        rng.choice(TURNOVER_RANGES) if rng.random() < 0.25 else (None, None)
    )

    theme = rng.choice(THEMES)
    form = rng.choice(FORMS)
    cost = "Free" if not money and rng.random() < 0.7 else ""
    growth = _weighted(rng, GROWTH_WEIGHTS)
    audience = Programme.Audience.WOMEN_LEADERS if rng.random() < 0.03 else Programme.Audience.ANY
    rules_known = Programme.RulesKnown.ALL
    if every_criterion:
        sectors = sectors or _some(rng, vocabulary.sectors, 1, 3)
        stages = stages or _some(rng, vocabulary.stages, 1, 2)
        employees_min, employees_max = rng.choice(EMPLOYEE_RANGES)
        turnover_min, turnover_max = rng.choice(TURNOVER_RANGES)
        growth = rng.choice([Programme.Growth.SCALEUP, Programme.Growth.POTENTIAL_SCALEUP])
        # Half of each, so that a programme's level hangs on each in turn.
        audience = rng.choice([Programme.Audience.WOMEN_LEADERS, Programme.Audience.ANY])
        rules_known = rng.choice([Programme.RulesKnown.PARTLY, Programme.RulesKnown.ALL])
        if amount_max is None:
            amount_min, amount_max = rng.choice(MONEY[rng.choice(list(MONEY))])

    area = places[0].name
    offers = ", ".join(support.name.lower() for support in support_types)
    programme = Programme(
        slug=f"{SLUG_PREFIX}{number:05d}",
        name=f"{area} {theme} {form} {number:05d}",
        summary=f"Synthetic benchmark programme: {offers} for businesses in {area}.",
        description=(
            f"A generated {theme.lower()} {form.lower()} offering {offers}. It exists only to "
            "measure how the finder copes with a large catalogue."
        ),
        status=status,
        opens_on=opens_on,
        closes_on=closes_on,
        fund_size=fund_size,
        amount_min=amount_min,
        amount_max=amount_max,
        cost=cost,
        employees_min=employees_min,
        employees_max=employees_max,
        turnover_min=turnover_min,
        turnover_max=turnover_max,
        growth=growth,
        audience=audience,
        rules_known=rules_known,
        documents_read_on=today - datetime.timedelta(days=rng.randint(0, 720)),
        last_verified=today - datetime.timedelta(days=rng.randint(0, 720)),
        is_generated=True,
    )
    links: dict[str, list] = {
        "places": places,
        "sectors": sectors,
        "stages": stages,
        "support_types": support_types,
        "providers": providers,
        "clusters": clusters,
    }
    return programme, links
