"""The staff roles, created by the project after every migrate so nobody sets them up
by hand.

Advisers look the catalogue up; content editors keep it true. The lists name
(app_label, model, actions); permissions granted by hand beyond these are left alone.
"""

from __future__ import annotations

from django.db.models.signals import post_migrate

ADVISERS = "Advisers"
CONTENT_EDITORS = "Content editors"

CATALOGUE_MODELS: list[tuple[str, str]] = [
    ("clusters", "source"),
    ("clusters", "place"),
    ("clusters", "sector"),
    ("clusters", "cluster"),
    ("clusters", "clusterpoint"),
    ("clusters", "scaleupstatistics"),
    ("programmes", "provider"),
    ("programmes", "supporttype"),
    ("programmes", "stage"),
    ("programmes", "programme"),
    ("programmes", "programmerelation"),
    ("programmes", "programmesource"),
    ("programmes", "outcome"),
]

ROLE_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    ADVISERS: [(app, model, ("view",)) for app, model in CATALOGUE_MODELS],
    CONTENT_EDITORS: [
        (app, model, ("view", "add", "change", "delete")) for app, model in CATALOGUE_MODELS
    ],
}


def ensure_roles(**kwargs) -> None:
    """Create the groups and give them exactly the permissions the roles need."""
    from django.contrib.auth.models import Group, Permission

    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for app_label, model, actions in grants:
            codenames = [f"{action}_{model}" for action in actions]
            wanted.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
            )
        group.permissions.add(*wanted)


def connect() -> None:
    from django.apps import apps

    # Sent after the finder app, the last installed, so every model's permission exists.
    post_migrate.connect(
        ensure_roles, sender=apps.get_app_config("finder"), dispatch_uid="finder-roles"
    )
