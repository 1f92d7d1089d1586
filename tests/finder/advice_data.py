"""Test data for the advisers' side of the admin: a small catalogue, staff in each role,
and enquiries. Each test builds its own; nothing here reads the real catalogue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.urls import reverse

from clusters.models import Cluster, Place, Sector
from finder.models import Enquiry, Referral
from finder.roles import ADVISERS, CONTENT_EDITORS
from programmes.models import Programme, Stage, SupportType


@dataclass
class Catalogue:
    region: Place
    wmca: Place
    birmingham: Place
    nottingham: Place
    manufacturing: Sector
    digital: Sector
    established: Stage
    grant: SupportType
    leadership: SupportType
    growth_grant: Programme  # eligible for the standard client
    digital_leaders: Programme  # near miss: digital businesses only
    nottingham_fund: Programme  # fails twice (place and amount): not shown
    old_scheme: Programme  # closed: hidden
    cluster: Cluster


def make_programme(name: str, **fields) -> Programme:
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("summary", f"Summary of {name}.")
    fields.setdefault("documents_read_on", datetime.date.today())
    fields.setdefault("last_verified", datetime.date.today())
    return Programme.objects.create(name=name, **fields)


def make_catalogue() -> Catalogue:
    region = Place.objects.create(slug="west-midlands", name="West Midlands", kind="region")
    wmca = Place.objects.create(
        slug="wmca", name="West Midlands Combined Authority", kind="combined-authority"
    )
    wmca.parents.add(region)
    birmingham = Place.objects.create(slug="birmingham", name="Birmingham", kind="local-authority")
    birmingham.parents.add(wmca)
    nottingham = Place.objects.create(slug="nottingham", name="Nottingham", kind="local-authority")
    manufacturing = Sector.objects.create(slug="manufacturing", name="Manufacturing")
    digital = Sector.objects.create(slug="digital", name="Digital")
    established = Stage.objects.create(slug="established", name="Established", position=3)
    grant = SupportType.objects.create(slug="grant", name="Grant", position=1)
    leadership = SupportType.objects.create(slug="leadership", name="Leadership", position=2)
    cluster = Cluster.objects.create(slug="batteries", name="Batteries", summary="Cells.")

    growth_grant = make_programme(
        "Growth Grant", employees_min=10, employees_max=249, amount_min=25_000, amount_max=1_000_000
    )
    growth_grant.places.add(wmca)
    growth_grant.support_types.add(grant)

    digital_leaders = make_programme("Digital Leaders")
    digital_leaders.places.add(region)
    digital_leaders.sectors.add(digital)
    digital_leaders.support_types.add(leadership)

    nottingham_fund = make_programme("Nottingham Fund", amount_max=100_000)
    nottingham_fund.places.add(nottingham)
    nottingham_fund.support_types.add(grant)

    old_scheme = make_programme("Old Scheme", status=Programme.Status.CLOSED)
    old_scheme.places.add(region)
    return Catalogue(
        region=region,
        wmca=wmca,
        birmingham=birmingham,
        nottingham=nottingham,
        manufacturing=manufacturing,
        digital=digital,
        established=established,
        grant=grant,
        leadership=leadership,
        growth_grant=growth_grant,
        digital_leaders=digital_leaders,
        nottingham_fund=nottingham_fund,
        old_scheme=old_scheme,
        cluster=cluster,
    )


def make_enquiry(catalogue: Catalogue, **fields) -> Enquiry:
    """A Birmingham manufacturer with 40 staff looking for a £500,000 grant and for
    leadership support."""
    fields.setdefault("business_name", "Brindley Widgets Ltd")
    fields.setdefault("contact_name", "Ada Brindley")
    fields.setdefault("email", "ada@brindley.example")
    fields.setdefault("location", catalogue.birmingham)
    fields.setdefault("sector", catalogue.manufacturing)
    fields.setdefault("employees", 40)
    fields.setdefault("funding_sought", 500_000)
    enquiry = Enquiry.objects.create(**fields)
    enquiry.support_wanted.add(catalogue.grant, catalogue.leadership)
    return enquiry


def make_referral(enquiry: Enquiry, programme: Programme, **fields) -> Referral:
    return Referral.objects.create(enquiry=enquiry, programme=programme, **fields)


def staff_in(django_user_model, group_name: str, username: str):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def adviser_user(django_user_model):
    return staff_in(django_user_model, ADVISERS, "adviser")


def editor_user(django_user_model):
    return staff_in(django_user_model, CONTENT_EDITORS, "editor")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist_url(model) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


def add_url(model) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_add")


def history_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def form_data(response) -> dict[str, str | list[str]]:
    """An admin change form's current values as POST data, inlines included, so a test
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
