"""The tests' saved catalogue (tests/saved_catalogue.py) is what load_catalogue writes."""

from __future__ import annotations

from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from programmes.models import Programme
from tests import saved_catalogue
from tests.factories import make_programme


def _every_row() -> dict[str, list[tuple]]:
    """Every table's rows, every column but its own id and the times a row was written,
    in a fixed order. Not by id: a load writes the rows of an edit's history in the order
    the database hands them over, which on PostgreSQL differs from one load to the next.
    Rows that others refer to by id keep theirs in the columns that refer to them."""
    rows = {}
    for model in apps.get_models(include_auto_created=True):
        fields = [
            field
            for field in model._meta.concrete_fields
            if not field.primary_key
            and not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
            and field.name != "history_date"
            # A new random number at every change to the catalogue.
            and (model._meta.label, field.name) != ("finder.CatalogueVersion", "number")
        ]
        rows[model._meta.label] = sorted(
            (
                tuple(getattr(obj, field.attname) for field in fields)
                for obj in model._base_manager.all()
            ),
            key=repr,
        )
    return rows


def test_saved_catalogue_written_back_is_what_load_catalogue_writes(db, _catalogue_rows) -> None:
    tables = [model for model, _ in _catalogue_rows]
    with transaction.atomic():
        # Sequences anywhere (here, back at 1) must not matter: write() moves them on.
        saved_catalogue.restart_ids(tables)
        saved_catalogue.write(_catalogue_rows)
        written = _every_row()
        # Each table's ids go on after the rows written back, the history's too.
        before = Programme.history.count()
        make_programme(slug="after-the-catalogue", places=["coventry"])
        assert Programme.history.count() > before
        transaction.set_rollback(True)
    assert sum(len(rows) for rows in written.values()) > 1000

    saved_catalogue.restart_ids(tables)
    call_command("load_catalogue", verbosity=0)

    assert _every_row() == written
