"""Reference data the catalogue is built on: places, sectors, sources, clusters and the
scaleup statistics the reviews give for an area."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

# The catalogue's facts come from the source documents (seeds/register.yaml). A fact from
# anywhere else is named in an entry's `outside_documents`, and pages show it as such.
OUTSIDE_DOCUMENTS_HELP = (
    "Which facts here are not from the source documents (general knowledge, such as a "
    "website or an official name). Pages show them as not confirmed by our sources."
)


class SlugQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class SlugManager(models.Manager.from_queryset(SlugQuerySet)):
    """Every catalogue model is addressed by its slug, in fixtures and in URLs."""

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class Source(models.Model):
    """A document in the register (seeds/register.yaml) that catalogue facts cite."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    covers = models.TextField(help_text="What the document covers, in our own words.")
    filename = models.CharField(max_length=200, blank=True)
    url = models.URLField("where it is published", blank=True)
    read_on = models.DateField(
        "read on", null=True, blank=True, help_text="When we read it for the catalogue."
    )
    outside_documents = models.TextField(
        "not from the source documents", blank=True, help_text=OUTSIDE_DOCUMENTS_HELP
    )

    objects = SlugManager()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.year})"

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


# An official area code of the Government Statistical Service (ONS): a letter for the
# nation (E, W, S, N; K for the UK as a whole), two digits for the kind of area and six
# for the area, as E08000026 for Coventry.
GSS_CODE = r"^[EWSNK][0-9]{8}$"


class PlaceQuerySet(SlugQuerySet):
    def local_authorities(self) -> PlaceQuerySet:
        return self.filter(kind=Place.Kind.LOCAL_AUTHORITY)

    def containing(self, slug: str) -> frozenset[str]:
        """The slug of this place and of every place containing it, however indirectly:
        Coventry gives Coventry, the West Midlands Combined Authority, the West Midlands,
        England and the United Kingdom. A programme serving any of them serves Coventry.

        Two queries whatever the size of the catalogue: one to check the place exists
        (an unknown slug raises ``Place.DoesNotExist``), one to read the whole
        containment table — a few rows per place — which is then walked in memory.
        """
        if not self.filter(slug=slug).exists():
            raise Place.DoesNotExist(f"No place with the slug {slug!r}.")
        parents: dict[str, set[str]] = {}
        edges = Place.parents.through.objects.values_list("from_place__slug", "to_place__slug")
        for child, parent in edges:
            parents.setdefault(child, set()).add(parent)
        found = {slug}
        todo = [slug]
        while todo:
            # ``found`` guards against a loop in bad data (A inside B inside A).
            for parent in parents.get(todo.pop(), ()):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return frozenset(found)

    def inside(self, slug: str) -> frozenset[str]:
        """The slug of this place and of every place inside it, however indirectly: the
        West Midlands gives the combined authority, the counties and their local
        authorities. A cluster concentrated in Coventry is a cluster of the West
        Midlands too. One query (the containment table, walked in memory); an unknown
        slug gives just itself.
        """
        children: dict[str, set[str]] = {}
        edges = Place.parents.through.objects.values_list("from_place__slug", "to_place__slug")
        for child, parent in edges:
            children.setdefault(parent, set()).add(child)
        found = {slug}
        todo = [slug]
        while todo:
            # ``found`` guards against a loop in bad data (A inside B inside A).
            for child in children.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return frozenset(found)

    def for_index(self) -> PlaceQuerySet:
        """The places index: every place with the places directly containing it, in two
        queries however many places there are."""
        return self.prefetch_related("parents")


class PlaceManager(models.Manager.from_queryset(PlaceQuerySet)):
    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class Place(models.Model):
    """A geography. A place can sit inside several larger ones at once (a local
    authority is in a region, a LEP area and a combined authority), so containment is
    many-to-many."""

    class Kind(models.TextChoices):
        NATION = "nation", "Nation"
        REGION = "region", "Region"
        COMBINED_AUTHORITY = "combined-authority", "Combined authority"
        LEP_AREA = "lep-area", "LEP area"
        COUNTY = "county", "County"
        LOCAL_AUTHORITY = "local-authority", "Local authority"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind)
    code = models.CharField(
        "GSS code",
        max_length=9,
        blank=True,
        validators=[RegexValidator(GSS_CODE, "Enter an ONS area code like E08000026.")],
        help_text="The official area code (ONS), like E08000026 for Coventry. A local "
        "authority's code is how a postcode finds it.",
    )
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True)
    description = models.TextField(blank=True)
    outside_documents = models.TextField(
        "not from the source documents", blank=True, help_text=OUTSIDE_DOCUMENTS_HELP
    )

    objects = PlaceManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="place_code_unique",
                violation_error_message="Another place already has this GSS code.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:place", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Sector(models.Model):
    """An industry a business picks from in the finder. Sectors nest: automotive is a
    kind of manufacturing, so a programme for manufacturing is open to an automotive
    business."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    broader = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="narrower",
        blank=True,
        help_text="The sectors this one is a kind of (automotive: manufacturing).",
    )

    objects = SlugManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class ClusterQuerySet(SlugQuerySet):
    def for_index(self) -> ClusterQuerySet:
        """The clusters index: each cluster's own fields only, in one query."""
        return self.order_by("name")

    def for_detail(self) -> ClusterQuerySet:
        """Everything a cluster's page shows, in a fixed number of queries: the cluster,
        then its places, sectors, sources, profile points and the programmes serving it
        (each programme's own fields only)."""
        return self.prefetch_related("places", "sectors", "sources", "points", "programmes")

    def located_in(self, place_slugs: Iterable[str]) -> ClusterQuerySet:
        """Clusters the Plan for Growth names as concentrated in any of these places.
        Pass a place and the places inside it (``Place.objects.inside``) for every
        cluster in an area."""
        return self.filter(places__slug__in=list(place_slugs)).distinct().order_by("name")


class Cluster(models.Model):
    """A West Midlands Plan for Growth cluster and the extra growth it could bring."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    summary = models.TextField()
    output_min_m = models.PositiveIntegerField("additional output from (£m)", null=True, blank=True)
    output_max_m = models.PositiveIntegerField("additional output to (£m)", null=True, blank=True)
    jobs_min = models.PositiveIntegerField("additional jobs from", null=True, blank=True)
    jobs_max = models.PositiveIntegerField("additional jobs to", null=True, blank=True)
    growth_basis = models.TextField(
        blank=True, help_text="How the growth opportunity was estimated."
    )
    source_wording = models.TextField(
        blank=True,
        help_text="Where we corrected a figure, what the source actually says.",
    )
    places = models.ManyToManyField(Place, related_name="clusters", blank=True)
    sectors = models.ManyToManyField(Sector, related_name="clusters", blank=True)
    sources = models.ManyToManyField(Source, related_name="clusters", blank=True)

    objects = SlugManager.from_queryset(ClusterQuerySet)()
    # Who changed what and when, including where the cluster is and what it covers.
    history = HistoricalRecords(m2m_fields=[places, sectors])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(output_min_m__isnull=True)
                | Q(output_max_m__isnull=True)
                | Q(output_min_m__lte=F("output_max_m")),
                name="cluster_output_min_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(jobs_min__isnull=True)
                | Q(jobs_max__isnull=True)
                | Q(jobs_min__lte=F("jobs_max")),
                name="cluster_jobs_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:detail", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class ClusterPoint(models.Model):
    """One line of a cluster profile: a driver of growth, a leadership body, an asset,
    a priority action or an ask of government."""

    class Kind(models.TextChoices):
        DRIVER = "driver", "Why it can grow"
        LEADERSHIP = "leadership", "Leadership body"
        ASSET = "asset", "Asset"
        ACTION = "action", "Priority action"
        ASK = "ask", "Ask of government"

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(max_length=20, choices=Kind)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()

    class Meta:
        ordering = ["cluster", "kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "kind", "position"], name="cluster_point_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text


class ScaleupStatisticsQuerySet(SlugQuerySet):
    def for_places(self, place_slugs: Iterable[str]) -> ScaleupStatisticsQuerySet:
        """The statistics the reviews give for any of these places, with the place and
        the source, in one query. Pass a place and the places containing it
        (``Place.objects.containing``): the reviews report on areas (a combined
        authority, a LEP area), and those figures describe every place inside them."""
        return (
            self.filter(place__slug__in=list(place_slugs))
            .select_related("place", "source")
            .order_by("place__name", "-data_year")
        )


class ScaleupStatistics(models.Model):
    """The ScaleUp Institute's analysis of ONS data for one area over one period.

    Counts of local authorities are stored as "above the median"; where a review says
    "N of M below the median" we store M - N and keep its wording in ``source_wording``.
    """

    slug = models.SlugField(max_length=100, unique=True)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="statistics")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statistics")
    data_year = models.PositiveSmallIntegerField(help_text="Year of the ONS scaleup count.")
    period_start = models.PositiveSmallIntegerField()
    period_end = models.PositiveSmallIntegerField()
    scaleups = models.PositiveIntegerField()
    scaleups_by_employment = models.PositiveIntegerField()
    scaleups_by_turnover = models.PositiveIntegerField()
    scaleups_by_both = models.PositiveIntegerField()
    density_change_per_100k = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        help_text="Change in scaleups per 100,000 people per year over the period.",
    )
    local_authorities = models.PositiveSmallIntegerField()
    above_median_density_employment = models.PositiveSmallIntegerField()
    above_median_density_turnover = models.PositiveSmallIntegerField()
    above_median_trend_employment = models.PositiveSmallIntegerField()
    above_median_trend_turnover = models.PositiveSmallIntegerField()
    density_rating = models.CharField(max_length=50, blank=True)
    trend_rating = models.CharField(max_length=50, blank=True)
    source_wording = models.TextField(blank=True)

    objects = SlugManager.from_queryset(ScaleupStatisticsQuerySet)()

    class Meta:
        ordering = ["place__name", "-data_year"]
        verbose_name_plural = "scaleup statistics"
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="statistics_period_start_lte_end",
            ),
            models.CheckConstraint(
                condition=Q(above_median_density_employment__lte=F("local_authorities"))
                & Q(above_median_density_turnover__lte=F("local_authorities"))
                & Q(above_median_trend_employment__lte=F("local_authorities"))
                & Q(above_median_trend_turnover__lte=F("local_authorities")),
                name="statistics_counts_lte_local_authorities",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place}: scaleups in {self.data_year}"

    def natural_key(self) -> tuple[str]:
        return (self.slug,)
