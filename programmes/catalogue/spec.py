"""What each catalogue file may hold: its fields, their types and which are required.

One spec drives all three commands — validate reads against it, load maps it onto the
models, export writes it back in the same order — so the file format is written down
exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clusters.models import (
    GSS_CODE,
    Cluster,
    ClusterPoint,
    Place,
    ScaleupStatistics,
    Sector,
    Source,
)
from programmes.models import Programme, ProgrammeRelation, Provider, Stage, SupportType

# Field types.
STR = "str"  # one line of text
TEXT = "text"  # text that may run over several lines
SLUG = "slug"
INT = "int"  # a whole number, zero or more
DECIMAL = "decimal"  # written in quotes so YAML cannot round it
DATE = "date"  # YYYY-MM-DD
URL = "url"
CHOICE = "choice"
REF = "ref"  # the slug of another entry
REFS = "refs"  # a list of slugs
TEXTS = "texts"  # a list of texts
OBJECT = "object"
OBJECTS = "objects"


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    required: bool = False
    target: str = ""  # for REF/REFS: the entity kind referred to
    choices: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()  # for OBJECT/OBJECTS
    max_length: int | None = None
    past: bool = False  # for DATE: today or before (a check that has happened)
    pattern: str = ""  # for STR: a regular expression the whole value must match...
    pattern_words: str = ""  # ...and what it is, in words, for the message
    unique: bool = False  # no two entries of the kind may share a value


@dataclass(frozen=True)
class Range:
    """Two fields of one object that must not run backwards."""

    low: str
    high: str


@dataclass(frozen=True)
class Kind:
    """One kind of catalogue entry and where its files live."""

    name: str  # singular, used in messages and references
    model: type
    fields: tuple[Field, ...]
    path: str  # a file, or a folder of one-entry files (ends with "/")
    ranges: tuple[Range, ...] = ()
    nested_ranges: dict[str, tuple[Range, ...]] = field(default_factory=dict)
    slug_from_name: bool = False

    @property
    def one_per_file(self) -> bool:
        return self.path.endswith("/")


def _len(model: type, attr: str) -> int | None:
    return model._meta.get_field(attr).max_length


def _choices(choices_class) -> tuple[str, ...]:
    return tuple(choices_class.values)


# Facts not from the source documents, said in words: every entry that may hold one.
OUTSIDE_DOCUMENTS = Field("outside_documents", TEXT)


def _slug(model: type) -> Field:
    return Field("slug", SLUG, required=True, max_length=_len(model, "slug"))


def _name(model: type, attr: str = "name") -> Field:
    return Field(attr, STR, required=True, max_length=_len(model, attr))


SOURCE = Kind(
    name="source",
    model=Source,
    path="register",  # seeds/register.yaml; resolved by the reader
    fields=(
        _slug(Source),
        _name(Source, "title"),
        Field("publisher", STR, required=True, max_length=_len(Source, "publisher")),
        Field("year", INT, required=True),
        Field("filename", STR, max_length=_len(Source, "filename")),
        Field("url", URL, max_length=_len(Source, "url")),
        Field("read_on", DATE, past=True),
        Field("covers", TEXT, required=True),
        OUTSIDE_DOCUMENTS,
    ),
)

SUPPORT_TYPE = Kind(
    name="support-type",
    model=SupportType,
    path="vocabularies/support-types.yaml",
    fields=(_slug(SupportType), _name(SupportType), Field("description", TEXT)),
)

STAGE = Kind(
    name="stage",
    model=Stage,
    path="vocabularies/stages.yaml",
    fields=(_slug(Stage), _name(Stage), Field("description", TEXT)),
)

SECTOR = Kind(
    name="sector",
    model=Sector,
    path="vocabularies/sectors.yaml",
    fields=(
        _slug(Sector),
        _name(Sector),
        Field("broader", REFS, target="sector"),
        Field("description", TEXT),
    ),
    slug_from_name=True,
)

PLACE = Kind(
    name="place",
    model=Place,
    path="places.yaml",
    fields=(
        _slug(Place),
        _name(Place),
        Field(
            "code",
            STR,
            pattern=GSS_CODE,
            pattern_words="an ONS area code (a letter and eight digits, like E08000026)",
            unique=True,
        ),
        Field("kind", CHOICE, required=True, choices=_choices(Place.Kind)),
        Field("parents", REFS, target="place"),
        Field("description", TEXT),
        OUTSIDE_DOCUMENTS,
    ),
    slug_from_name=True,
)

PROVIDER = Kind(
    name="provider",
    model=Provider,
    path="providers.yaml",
    fields=(
        _slug(Provider),
        _name(Provider),
        Field("website", URL, max_length=_len(Provider, "website")),
        Field("description", TEXT),
        OUTSIDE_DOCUMENTS,
    ),
)

_COUNTS = (
    "scaleups",
    "scaleups_by_employment",
    "scaleups_by_turnover",
    "scaleups_by_both",
)
_LA_COUNTS = (
    "above_median_density_employment",
    "above_median_density_turnover",
    "above_median_trend_employment",
    "above_median_trend_turnover",
)

STATISTICS = Kind(
    name="statistics",
    model=ScaleupStatistics,
    path="statistics.yaml",
    fields=(
        _slug(ScaleupStatistics),
        Field("place", REF, required=True, target="place"),
        Field("source", REF, required=True, target="source"),
        Field("data_year", INT, required=True),
        Field("period_start", INT, required=True),
        Field("period_end", INT, required=True),
        *(Field(key, INT, required=True) for key in _COUNTS),
        Field("density_change_per_100k", DECIMAL, required=True),
        Field("local_authorities", INT, required=True),
        *(Field(key, INT, required=True) for key in _LA_COUNTS),
        Field("density_rating", STR, max_length=_len(ScaleupStatistics, "density_rating")),
        Field("trend_rating", STR, max_length=_len(ScaleupStatistics, "trend_rating")),
        Field("source_wording", TEXT),
    ),
    ranges=(
        Range("period_start", "period_end"),
        *(Range(key, "local_authorities") for key in _LA_COUNTS),
        *(Range(key, "scaleups") for key in _COUNTS[1:]),
    ),
)

# The YAML key of each list of cluster points, and the kind it stores.
CLUSTER_POINT_KEYS: dict[str, str] = {
    "drivers": ClusterPoint.Kind.DRIVER,
    "leadership": ClusterPoint.Kind.LEADERSHIP,
    "assets": ClusterPoint.Kind.ASSET,
    "actions": ClusterPoint.Kind.ACTION,
    "asks": ClusterPoint.Kind.ASK,
}

CLUSTER = Kind(
    name="cluster",
    model=Cluster,
    path="clusters/",
    fields=(
        _slug(Cluster),
        _name(Cluster),
        Field("summary", TEXT, required=True),
        Field("output_min_m", INT),
        Field("output_max_m", INT),
        Field("jobs_min", INT),
        Field("jobs_max", INT),
        Field("growth_basis", TEXT),
        Field("source_wording", TEXT),
        Field("places", REFS, target="place"),
        Field("sectors", REFS, target="sector"),
        Field("sources", REFS, required=True, target="source"),
        *(Field(key, TEXTS) for key in CLUSTER_POINT_KEYS),
    ),
    ranges=(Range("output_min_m", "output_max_m"), Range("jobs_min", "jobs_max")),
)

ELIGIBILITY = Field(
    "eligibility",
    OBJECT,
    required=True,
    fields=(
        Field("places", REFS, required=True, target="place"),
        Field("sectors", REFS, target="sector"),
        Field("stages", REFS, target="stage"),
        Field("employees_min", INT),
        Field("employees_max", INT),
        Field("turnover_min", INT),
        Field("turnover_max", INT),
        Field("growth", CHOICE, choices=_choices(Programme.Growth)),
        Field("audience", CHOICE, choices=_choices(Programme.Audience)),
        Field("rules_known", CHOICE, choices=_choices(Programme.RulesKnown)),
        Field("note", TEXT),
    ),
)

# Eligibility keys whose model attribute has another name.
ELIGIBILITY_ATTRS: dict[str, str] = {"note": "eligibility_note"}

PROGRAMME = Kind(
    name="programme",
    model=Programme,
    path="programmes/",
    fields=(
        _slug(Programme),
        _name(Programme),
        Field("summary", TEXT, required=True),
        Field("description", TEXT),
        Field("providers", REFS, target="provider"),
        Field("delivery_partners", REFS, target="provider"),
        Field("support_types", REFS, required=True, target="support-type"),
        Field("fund_size", INT),
        Field("amount_min", INT),
        Field("amount_max", INT),
        Field("funding_note", TEXT),
        Field("cost", STR, max_length=_len(Programme, "cost")),
        Field("duration", STR, max_length=_len(Programme, "duration")),
        Field("cohort_size_min", INT),
        Field("cohort_size_max", INT),
        Field("status", CHOICE, required=True, choices=_choices(Programme.Status)),
        Field("opens_on", DATE),
        Field("closes_on", DATE),
        Field("cohort_starts_on", DATE),
        Field("dates_note", TEXT),
        Field("how_to_apply", TEXT),
        Field("website", URL, max_length=_len(Programme, "website")),
        Field("front_door_for", REFS, target="place"),
        ELIGIBILITY,
        Field("clusters", REFS, target="cluster"),
        Field(
            "related",
            OBJECTS,
            fields=(
                Field("programme", REF, required=True, target="programme"),
                Field("kind", CHOICE, required=True, choices=_choices(ProgrammeRelation.Kind)),
            ),
        ),
        Field(
            "outcomes",
            OBJECTS,
            fields=(
                Field("text", TEXT, required=True),
                Field("source", REF, target="source"),
            ),
        ),
        Field(
            "sources",
            OBJECTS,
            fields=(
                Field("source", REF, required=True, target="source"),
                Field("facts", TEXT),
            ),
        ),
        OUTSIDE_DOCUMENTS,
        Field("documents_read_on", DATE, required=True, past=True),
        Field("last_verified", DATE, past=True),
    ),
    ranges=(
        Range("amount_min", "amount_max"),
        Range("cohort_size_min", "cohort_size_max"),
        Range("opens_on", "closes_on"),
    ),
    nested_ranges={
        "eligibility": (
            Range("employees_min", "employees_max"),
            Range("turnover_min", "turnover_max"),
        )
    },
)

# In the order they load: every kind refers only to kinds before it, except the
# programme-to-programme relations, which load once every programme exists.
KINDS: tuple[Kind, ...] = (
    SOURCE,
    SUPPORT_TYPE,
    STAGE,
    SECTOR,
    PLACE,
    PROVIDER,
    STATISTICS,
    CLUSTER,
    PROGRAMME,
)
KINDS_BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
