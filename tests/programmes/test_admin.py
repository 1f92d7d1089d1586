"""The programme catalogue through the Django admin, as each staff role uses it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Cluster, Place, Sector, Source
from finder.roles import ADVISERS, CONTENT_EDITORS
from programmes.models import (
    CatalogueLoad,
    Outcome,
    Programme,
    ProgrammeRelation,
    ProgrammeSource,
    Provider,
    Stage,
    SupportType,
)

pytestmark = pytest.mark.django_db


@dataclass
class Catalogue:
    grant: Programme
    closed: Programme
    wmca: Place
    nottingham: Place
    grant_type: SupportType
    leadership: SupportType
    manufacturing: Sector
    cluster: Cluster
    source: Source


def make_programme(name: str, **fields) -> Programme:
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("summary", f"Summary of {name}.")
    fields.setdefault("documents_read_on", datetime.date(2025, 1, 31))
    fields.setdefault("last_verified", datetime.date(2025, 1, 31))
    return Programme.objects.create(name=name, **fields)


@pytest.fixture
def catalogue() -> Catalogue:
    source = Source.objects.create(
        slug="review", title="A review", publisher="An institute", year=2023, covers="Tests."
    )
    region = Place.objects.create(slug="west-midlands", name="West Midlands", kind="region")
    wmca = Place.objects.create(
        slug="wmca", name="West Midlands Combined Authority", kind="combined-authority"
    )
    wmca.parents.add(region)
    nottingham = Place.objects.create(slug="nottingham", name="Nottingham", kind="local-authority")
    manufacturing = Sector.objects.create(slug="manufacturing", name="Manufacturing")
    cluster = Cluster.objects.create(
        slug="advanced-manufacturing", name="Advanced manufacturing", summary="Makers."
    )
    grant_type = SupportType.objects.create(slug="grant", name="Grant", position=1)
    leadership = SupportType.objects.create(slug="leadership", name="Leadership", position=2)
    established = Stage.objects.create(slug="established", name="Established", position=3)
    aston = Provider.objects.create(slug="aston", name="Aston University")
    bank = Provider.objects.create(slug="high-street-bank", name="High Street Bank")

    grant = make_programme(
        "Growth Grant",
        status=Programme.Status.OPEN,
        employees_min=10,
        employees_max=249,
        amount_min=25_000,
        amount_max=5_000_000,
        growth=Programme.Growth.SCALEUP,
    )
    grant.support_types.add(grant_type)
    grant.places.add(wmca)
    grant.providers.add(aston)
    grant.stages.add(established)
    grant.clusters.add(cluster)
    grant.sectors.add(manufacturing)
    ProgrammeSource.objects.create(programme=grant, source=source, facts="Amounts.")
    Outcome.objects.create(programme=grant, position=1, text="40 firms helped", source=source)

    closed = make_programme("Old Accelerator", status=Programme.Status.CLOSED)
    closed.support_types.add(leadership)
    closed.places.add(nottingham)
    closed.providers.add(bank)
    ProgrammeRelation.objects.create(
        programme=closed, related=grant, kind=ProgrammeRelation.Kind.SUCCEEDED_BY
    )
    return Catalogue(
        grant=grant,
        closed=closed,
        wmca=wmca,
        nottingham=nottingham,
        grant_type=grant_type,
        leadership=leadership,
        manufacturing=manufacturing,
        cluster=cluster,
        source=source,
    )


def staff_in(django_user_model, group_name: str, username: str):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def adviser(django_user_model):
    return staff_in(django_user_model, ADVISERS, "adviser")


@pytest.fixture
def editor(django_user_model):
    return staff_in(django_user_model, CONTENT_EDITORS, "editor")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def listed(response) -> set[str]:
    """The names of the programmes the changelist shows."""
    return {str(obj) for obj in response.context["cl"].result_list}


def resubmit_data(response) -> dict[str, str | list[str]]:
    """The admin change form's current values as POST data, inlines included, so a test
    can change one field and submit the rest as the page would."""
    data: dict[str, str | list[str]] = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_admin_registers_every_programme_model():
    registered = {model for model in admin.site._registry if model._meta.app_label == "programmes"}
    # Relations, sources and outcomes are edited inline on the programme.
    assert registered == {Provider, SupportType, Stage, Programme, CatalogueLoad}
    inlines = {inline.model for inline in admin.site._registry[Programme].inlines}
    assert inlines == {ProgrammeSource, Outcome, ProgrammeRelation}


def test_admin_superuser_opens_every_programme_page(admin_client, catalogue):
    for model in admin.site._registry:
        if model._meta.app_label != "programmes" or model is CatalogueLoad:
            continue
        obj = model.objects.first()
        assert obj is not None, f"the test catalogue has no {model.__name__}"
        opts = model._meta
        for url in (
            changelist_url(model),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
            change_url(obj),
        ):
            assert admin_client.get(url).status_code == 200, url


def test_admin_catalogue_load_history_is_read_only(admin_client):
    load = CatalogueLoad.objects.create(files=[{"path": "places.yaml"}], added=3)
    assert admin_client.get(changelist_url(CatalogueLoad)).status_code == 200
    page = admin_client.get(change_url(load))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:programmes_catalogueload_add")).status_code == 403
    delete = reverse("admin:programmes_catalogueload_delete", args=[load.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert CatalogueLoad.objects.filter(pk=load.pk).exists()


def test_admin_site_header_names_the_service(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Scaleup Support Finder admin" in response.content.decode()


def test_admin_changelist_shows_programme_columns(admin_client, catalogue):
    response = admin_client.get(changelist_url(Programme))
    html = response.content.decode()
    assert "£25,000 to £5m" in html
    assert "West Midlands Combined Authority" in html
    assert "Leadership" in html
    assert listed(response) == {"Growth Grant", "Old Accelerator"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status__exact": "closed"}, {"Old Accelerator"}),
        ({"status__exact": "open"}, {"Growth Grant"}),
        ({"growth__exact": "scaleup"}, {"Growth Grant"}),
        ({"q": "High Street Bank"}, {"Old Accelerator"}),
        ({"q": "growth-grant"}, {"Growth Grant"}),
        ({"q": "Summary of Old"}, {"Old Accelerator"}),
    ],
)
def test_admin_changelist_filters_and_searches(admin_client, catalogue, query, expected):
    response = admin_client.get(changelist_url(Programme), query)
    assert response.status_code == 200
    assert listed(response) == expected


def test_admin_changelist_filters_by_related_vocabularies(admin_client, catalogue):
    url = changelist_url(Programme)
    by_place = admin_client.get(url, {"places__id__exact": catalogue.nottingham.pk})
    assert listed(by_place) == {"Old Accelerator"}
    by_type = admin_client.get(url, {"support_types__id__exact": catalogue.grant_type.pk})
    assert listed(by_type) == {"Growth Grant"}
    by_cluster = admin_client.get(url, {"clusters__id__exact": catalogue.cluster.pk})
    assert listed(by_cluster) == {"Growth Grant"}
    by_sector = admin_client.get(url, {"sectors__id__exact": catalogue.manufacturing.pk})
    assert listed(by_sector) == {"Growth Grant"}


def test_admin_change_page_states_eligibility_in_plain_english(admin_client, catalogue):
    html = admin_client.get(change_url(catalogue.grant)).content.decode()
    for line in (
        "Where: West Midlands Combined Authority",
        "Employees: 10 to 249",
        "Funding per business: £25,000 to £5m",
        "Growth: scaleups by the OECD measure",
        "Sectors: Manufacturing",
        "Turnover: any",
    ):
        assert f"<li>{line}</li>" in html, line


def test_admin_change_page_shows_successors_both_ways(admin_client, catalogue):
    closed_html = admin_client.get(change_url(catalogue.closed)).content.decode()
    assert "Succeeded by:" in closed_html
    assert change_url(catalogue.grant) in closed_html
    grant_html = admin_client.get(change_url(catalogue.grant)).content.decode()
    assert "Replaces:" in grant_html
    assert change_url(catalogue.closed) in grant_html


def test_admin_adviser_reads_programmes_but_cannot_add(client, adviser, catalogue):
    client.force_login(adviser)
    assert client.get(changelist_url(Programme)).status_code == 200
    response = client.get(change_url(catalogue.grant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Employees: 10 to 249" in html
    # A view-only page offers no save button and no editable name field.
    assert 'name="_save"' not in html
    assert 'name="name"' not in html
    assert client.get(reverse("admin:programmes_programme_add")).status_code == 403


def test_admin_adviser_cannot_post_a_change(client, adviser, editor, catalogue):
    # Build a valid submission as an editor would, then send it as the adviser.
    client.force_login(editor)
    data = resubmit_data(client.get(change_url(catalogue.grant)))
    data["name"] = "Renamed by an adviser"
    client.force_login(adviser)
    response = client.post(change_url(catalogue.grant), data)
    assert response.status_code == 403
    catalogue.grant.refresh_from_db()
    assert catalogue.grant.name == "Growth Grant"


def test_admin_content_editor_changes_a_programme(client, editor, catalogue):
    client.force_login(editor)
    data = resubmit_data(client.get(change_url(catalogue.grant)))
    data["status"] = "closed"
    data["amount_max"] = "1000000"
    response = client.post(change_url(catalogue.grant), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    catalogue.grant.refresh_from_db()
    assert catalogue.grant.status == Programme.Status.CLOSED
    assert catalogue.grant.amount_max == 1_000_000
    # The rest of the form, inlines included, came back unchanged.
    assert set(catalogue.grant.places.all()) == {catalogue.wmca}
    assert catalogue.grant.outcomes.get().text == "40 firms helped"


def test_admin_content_editor_cannot_save_a_backwards_range(client, editor, catalogue):
    client.force_login(editor)
    data = resubmit_data(client.get(change_url(catalogue.grant)))
    data["employees_min"] = "500"
    response = client.post(change_url(catalogue.grant), data)
    assert response.status_code == 200  # the form again, with the error
    # The constraint's own words, not the database's "Constraint … is violated".
    assert response.context["adminform"].form.errors["__all__"] == [
        "The fewest employees is more than the most: swap them, or correct one."
    ]
    catalogue.grant.refresh_from_db()
    assert catalogue.grant.employees_min == 10


def add_programmes(count: int, *, start: int, catalogue: Catalogue) -> None:
    for number in range(start, start + count):
        programme = make_programme(f"Extra {number:02d}", amount_max=1000 * (number + 1))
        programme.support_types.add(catalogue.grant_type, catalogue.leadership)
        programme.places.add(catalogue.wmca, catalogue.nottingham)


def test_admin_programme_changelist_query_count_is_flat(
    client, editor, catalogue, django_assert_max_num_queries
):
    client.force_login(editor)
    url = changelist_url(Programme)
    client.get(url)  # warm caches that are not per request (content types)

    add_programmes(1, start=0, catalogue=catalogue)  # 3 programmes
    with CaptureQueriesContext(connection) as three:
        assert len(listed(client.get(url))) == 3

    add_programmes(17, start=1, catalogue=catalogue)  # 20 programmes
    # Expected, whatever the number of rows: session, user, the user's group and own
    # permissions; one choices query for each related filter (support types, places,
    # clusters, sectors, stages); the filtered and the total count; the page of
    # programmes; one prefetch each for support types and places.
    with django_assert_max_num_queries(len(three)) as twenty:
        response = client.get(url)
    assert len(listed(response)) == 20
    assert len(twenty) == len(three)


def test_admin_keeps_line_breaks_as_typed(client, editor, catalogue):
    """A browser sends a text box's line breaks as \\r\\n; the entry keeps \\n, as the
    catalogue files do, inlines included, and saving it unchanged records no change."""
    client.force_login(editor)
    data = resubmit_data(client.get(change_url(catalogue.grant)))
    data["description"] = "First paragraph.\r\n\r\nSecond paragraph."
    response = client.post(change_url(catalogue.grant), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    catalogue.grant.refresh_from_db()
    assert catalogue.grant.description == "First paragraph.\n\nSecond paragraph."
    history = catalogue.grant.history.count()
    data = resubmit_data(client.get(change_url(catalogue.grant)))
    data = {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }
    assert client.post(change_url(catalogue.grant), data).status_code == 302
    catalogue.grant.refresh_from_db()
    assert catalogue.grant.description == "First paragraph.\n\nSecond paragraph."
    latest = catalogue.grant.history.first()
    assert catalogue.grant.history.count() == history + 1  # the admin saves a record...
    assert not latest.diff_against(latest.prev_record).changes  # ...of nothing changed
