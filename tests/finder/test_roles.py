"""The staff roles, created by the project, as the admin enforces them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from clusters.models import Cluster
from finder.models import Enquiry, Referral
from finder.roles import ADVISERS, CONTENT_EDITORS, ensure_roles
from programmes.models import CatalogueLoad, Programme
from tests.finder.advice_data import (
    add_url,
    adviser_user,
    change_url,
    changelist_url,
    editor_user,
    form_data,
    history_url,
    make_catalogue,
    make_enquiry,
    make_referral,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return make_catalogue()


@pytest.fixture
def adviser(django_user_model):
    return adviser_user(django_user_model)


@pytest.fixture
def editor(django_user_model):
    return editor_user(django_user_model)


def codenames(group_name: str, app_label: str) -> set[str]:
    return set(
        Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label=app_label)
        .values_list("codename", flat=True)
    )


def test_roles_are_created_by_migrate_with_their_permissions():
    # The test database was built by migrate, so the post_migrate handler has run.
    assert codenames(ADVISERS, "finder") == {
        "view_enquiry",
        "add_enquiry",
        "change_enquiry",
        "view_referral",
        "add_referral",
        "change_referral",
        # A referral made by mistake can go; an enquiry goes only by retention.
        "delete_referral",
    }
    assert codenames(CONTENT_EDITORS, "finder") == set()
    assert {"view_programme", "view_catalogueload"} <= codenames(ADVISERS, "programmes")
    assert "change_programme" not in codenames(ADVISERS, "programmes")
    assert {"add_programme", "change_programme", "delete_programme", "view_catalogueload"} <= (
        codenames(CONTENT_EDITORS, "programmes")
    )
    assert "change_cluster" in codenames(CONTENT_EDITORS, "clusters")


def test_roles_take_away_what_a_role_must_never_have():
    editors = Group.objects.get(name=CONTENT_EDITORS)
    advisers = Group.objects.get(name=ADVISERS)
    editors.permissions.add(Permission.objects.get(codename="view_enquiry"))
    advisers.permissions.add(Permission.objects.get(codename="change_programme"))
    ensure_roles()
    assert "view_enquiry" not in codenames(CONTENT_EDITORS, "finder")
    assert "change_programme" not in codenames(ADVISERS, "programmes")
    # And running it again changes nothing else.
    assert "view_enquiry" in codenames(ADVISERS, "finder")


def test_roles_adviser_cannot_change_a_programme(client, adviser, editor, catalogue):
    # Build a valid submission as an editor would, then send it as the adviser.
    client.force_login(editor)
    data = form_data(client.get(change_url(catalogue.growth_grant)))
    data["amount_max"] = "9000000"
    client.force_login(adviser)
    assert client.post(change_url(catalogue.growth_grant), data).status_code == 403
    catalogue.growth_grant.refresh_from_db()
    assert catalogue.growth_grant.amount_max == 1_000_000
    assert client.get(add_url(Programme)).status_code == 403
    delete = reverse("admin:programmes_programme_delete", args=[catalogue.growth_grant.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Programme.objects.filter(pk=catalogue.growth_grant.pk).exists()


def test_roles_adviser_sees_enquiries_and_the_catalogue(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    referral = make_referral(enquiry, catalogue.growth_grant)
    client.force_login(adviser)
    for url in (
        changelist_url(Enquiry),
        add_url(Enquiry),
        change_url(enquiry),
        history_url(enquiry),
        changelist_url(Referral),
        change_url(referral),
        changelist_url(Programme),
        change_url(catalogue.growth_grant),
        history_url(catalogue.growth_grant),
        changelist_url(CatalogueLoad),
    ):
        assert client.get(url).status_code == 200, url


def test_roles_editor_changes_a_programme(client, editor, catalogue):
    client.force_login(editor)
    data = form_data(client.get(change_url(catalogue.growth_grant)))
    data["amount_max"] = "2000000"
    response = client.post(change_url(catalogue.growth_grant), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    catalogue.growth_grant.refresh_from_db()
    assert catalogue.growth_grant.amount_max == 2_000_000


def test_roles_editor_cannot_open_an_enquiry_or_referral(client, editor, catalogue):
    enquiry = make_enquiry(catalogue)
    referral = make_referral(enquiry, catalogue.growth_grant)
    client.force_login(editor)
    for url in (
        changelist_url(Enquiry),
        add_url(Enquiry),
        change_url(enquiry),
        history_url(enquiry),
        changelist_url(Referral),
        change_url(referral),
        history_url(referral),
    ):
        assert client.get(url).status_code == 403, url
    index = client.get(reverse("admin:index")).content.decode()
    assert "Enquiries" not in index
    assert "Referrals" not in index
    assert "Programmes" in index


def test_roles_editor_sees_cluster_and_load_history(client, editor, catalogue):
    client.force_login(editor)
    assert client.get(history_url(catalogue.cluster)).status_code == 200
    assert client.get(changelist_url(CatalogueLoad)).status_code == 200
    assert client.get(changelist_url(Cluster)).status_code == 200


def test_roles_enquiry_name_stays_out_of_an_editors_delete_page(client, editor, catalogue):
    # Deleting a place an enquiry uses is refused; the page names what protects it,
    # and for an editor that must not be the client's business name.
    make_enquiry(catalogue, location=catalogue.nottingham)
    client.force_login(editor)
    url = reverse("admin:clusters_place_delete", args=[catalogue.nottingham.pk])
    html = client.get(url).content.decode()
    assert "Cannot delete place" in html
    assert "<li>enquiry</li>" in html  # what stands in the way, by kind only...
    assert "Brindley" not in html  # ...never by the business's name
    assert Enquiry.objects.filter(location=catalogue.nottingham).exists()
