"""History of the catalogue: who changed a programme or cluster, when, from what to what,
and which changes came from load_catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusters.models import Cluster
from programmes.models import Programme
from tests.finder.advice_data import (
    change_url,
    editor_user,
    form_data,
    history_url,
    make_catalogue,
)
from tests.programmes.test_catalogue_commands import run, write_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return make_catalogue()


@pytest.fixture
def editor(django_user_model):
    return editor_user(django_user_model)


def test_history_programme_change_in_the_admin_keeps_old_and_new_values(client, editor, catalogue):
    grant = catalogue.growth_grant
    client.force_login(editor)
    data = form_data(client.get(change_url(grant)))
    data["amount_max"] = "750000"
    data["places"] = [str(catalogue.region.pk)]
    assert client.post(change_url(grant), data).status_code == 302

    latest = grant.history.first()
    assert latest.history_user == editor
    # The admin saves the fields, then the places: compare with the row before the save.
    before = grant.history.filter(history_date__lt=latest.history_date, history_user=None).first()
    delta = latest.diff_against(before)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["amount_max"] == (1_000_000, 750_000)
    assert [item["place"] for item in changes["places"][0]] == [catalogue.wmca.pk]
    assert [item["place"] for item in changes["places"][1]] == [catalogue.region.pk]

    page = client.get(history_url(grant))
    assert page.status_code == 200
    html = page.content.decode()
    assert "editor" in html
    assert "1000000" in html and "750000" in html


def test_history_cluster_change_in_the_admin(client, editor, catalogue):
    cluster = catalogue.cluster
    client.force_login(editor)
    data = form_data(client.get(change_url(cluster)))
    data["jobs_min"] = "1200"
    assert client.post(change_url(cluster), data).status_code == 302
    latest, created = cluster.history.all()[:2]
    assert latest.history_user == editor
    assert [(c.field, c.old, c.new) for c in latest.diff_against(created).changes] == [
        ("jobs_min", None, 1200)
    ]
    assert client.get(history_url(cluster)).status_code == 200


def test_history_rows_from_load_catalogue_name_the_command(tmp_path: Path, capsys):
    fixtures, register = write_catalogue(tmp_path)
    run("load_catalogue", fixtures, register)
    fund = Programme.objects.get(slug="co-investment-fund")
    rows = list(fund.history.all())
    assert rows, "loading a programme writes its history"
    assert {row.history_change_reason for row in rows} == {"load_catalogue"}
    assert {row.history_user for row in rows} == {None}
    assert Cluster.history.filter(history_change_reason="load_catalogue").exists()
    total = Programme.history.count()

    # Loading the same files again changes nothing, and writes no history.
    out = run("load_catalogue", fixtures, register, capsys=capsys)
    assert "0 added, 0 changed" in out
    assert Programme.history.count() == total


def test_history_changes_made_outside_a_command_have_no_reason(catalogue):
    grant = catalogue.growth_grant
    grant.summary = "A new summary."
    grant.save()
    assert grant.history.first().history_change_reason is None
