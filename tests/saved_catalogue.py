"""The shipped catalogue's rows, loaded once a test run and written back for each test
that needs the catalogue (``real_catalogue`` and ``live_catalogue`` in conftest.py).

``load_catalogue`` takes 2 s on SQLite and 3 to 4 s on PostgreSQL, and more than 80 tests
need the real catalogue: loading it for each was a third of CI's time. Writing its rows
back takes a tenth of a second. tests/programmes/test_saved_catalogue.py holds the rows
written back to what the command writes."""

from __future__ import annotations

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

Rows = list[tuple[type[Model], list[Model]]]  # each table's model and rows


def read() -> Rows:
    """Every row ``load_catalogue`` writes for fixtures/ and seeds/register.yaml, table
    by table; the load itself is rolled back."""
    models = apps.get_models(include_auto_created=True)
    with transaction.atomic():
        before = {model: model._base_manager.count() for model in models}
        # The same ids whichever tests ran before (PostgreSQL's sequences ignore rollbacks).
        restart_ids([model for model in models if before[model] == 0])
        call_command("load_catalogue", verbosity=0)
        rows = []
        for model in models:
            objs = list(model._base_manager.order_by("pk"))
            # The catalogue's version row: write() makes a new version, as a load does.
            if len(objs) == before[model] or model._meta.label == "finder.CatalogueVersion":
                continue
            # Tables with rows of their own (auth's, contenttypes') are not the catalogue's.
            assert before[model] == 0, f"{model._meta.label} had rows before the catalogue"
            rows.append((model, objs))
        transaction.set_rollback(True)
    return rows


def write(rows: Rows) -> None:
    """Write the rows back into empty tables, in one transaction (foreign keys are
    checked at its end, so the order of the tables does not matter), and move each
    table's id sequence past them, as ``loaddata`` does. As after a load, the history
    rows are dated now and the catalogue has a new version."""
    # Imported here: conftest.py imports this module before Django is set up.
    from finder.cache import bump_catalogue_version

    models = [model for model, _ in rows]
    with transaction.atomic():
        for model in models:
            if model._base_manager.exists():
                raise RuntimeError(
                    f"the catalogue goes into empty tables, and {model._meta.label} has rows: "
                    "ask for real_catalogue or live_catalogue before anything that writes them"
                )
        for model, objs in rows:
            model._base_manager.bulk_create(objs)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
        now = timezone.now()
        for model in models:
            if any(field.name == "history_date" for field in model._meta.concrete_fields):
                model._base_manager.update(history_date=now)
        bump_catalogue_version()


def restart_ids(models: list[type[Model]]) -> None:
    """Start the id sequences of these tables, which must be empty, from 1 again."""
    with connection.cursor() as cursor:
        sequences = [
            sequence
            for model in models
            for sequence in connection.introspection.get_sequences(
                cursor, model._meta.db_table, model._meta.local_fields
            )
        ]
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)
