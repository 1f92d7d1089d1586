"""The staff roles, created by the project after every migrate so nobody sets them up
by hand.

Advisers look the catalogue up and record the businesses they help (enquiries) and
where they sent them (referrals); they cannot change the catalogue. Content editors
keep the catalogue true and cannot see enquiries or referrals at all: those hold
personal data. Both can read the record of catalogue loads, which only load_catalogue
writes. Superusers have every permission anyway. The lists name (app_label, model,
actions); permissions granted by hand beyond these are left alone.
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

# Personal data about client businesses: advisers only.
ADVICE_MODELS: list[tuple[str, str]] = [
    ("finder", "enquiry"),
    ("finder", "referral"),
]

# Written only by load_catalogue; its admin is read-only for everyone.
CATALOGUE_LOAD = ("programmes", "catalogueload", ("view",))

ROLE_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    ADVISERS: [
        *((app, model, ("view",)) for app, model in CATALOGUE_MODELS),
        CATALOGUE_LOAD,
        ("finder", "enquiry", ("view", "add", "change")),
        # A referral made by mistake can be removed; enquiries go only by retention.
        ("finder", "referral", ("view", "add", "change", "delete")),
    ],
    CONTENT_EDITORS: [
        *((app, model, ("view", "add", "change", "delete")) for app, model in CATALOGUE_MODELS),
        CATALOGUE_LOAD,
    ],
}


# What a role must never hold, taken away on every migrate even if someone granted it
# to the group by hand: advisers never change the catalogue, and content editors never
# see the personal data in enquiries and referrals.
ROLE_FORBIDDEN: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    ADVISERS: [(app, model, ("add", "change", "delete")) for app, model in CATALOGUE_MODELS],
    CONTENT_EDITORS: [
        (app, model, ("view", "add", "change", "delete")) for app, model in ADVICE_MODELS
    ],
}


def _permissions(grants: list[tuple[str, str, tuple[str, ...]]]) -> list:
    from django.contrib.auth.models import Permission

    found = []
    for app_label, model, actions in grants:
        codenames = [f"{action}_{model}" for action in actions]
        found.extend(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=codenames,
            )
        )
    return found


def ensure_roles(**kwargs) -> None:
    """Create the groups, give them the permissions the roles need and take away any
    they must never have."""
    from django.contrib.auth.models import Group

    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*_permissions(grants))
        group.permissions.remove(*_permissions(ROLE_FORBIDDEN.get(group_name, [])))


def connect() -> None:
    from django.apps import apps

    # Sent after the finder app, the last installed, so every model's permission exists.
    post_migrate.connect(
        ensure_roles, sender=apps.get_app_config("finder"), dispatch_uid="finder-roles"
    )
