"""The Atom feed of a search, by Django's syndication framework: the programmes the
search finds (eligible or "check with an adviser", as on its results page), the one
changed most recently first, each entry saying what changed (programmes/changes.py).

``/feeds/search.atom`` takes the finder's own GET parameters; a search that is not
valid answers 400 in plain text naming each problem (``follow.bad_search``). Every
results page links to its feed (``<link rel="alternate">``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_safe

from finder import follow
from finder.forms import BusinessProfileForm
from finder.search import Result
from finder.summary import Recommendation
from programmes import changes
from programmes.models import Programme

#: The most entries a feed holds: those changed most recently.
MOST_ENTRIES = 50
#: The changes an entry lists, newest first.
CHANGES_LISTED = 5


@dataclass(frozen=True)
class Entry:
    result: Result
    url: str
    #: Its changes, newest first; at least one.
    changes: list[changes.Change]

    @property
    def latest(self) -> changes.Change:
        return self.changes[0]


@dataclass(frozen=True)
class Found:
    search_url: str
    entries: list[Entry]


def entries_for(
    request: HttpRequest, form: BusinessProfileForm, today: datetime.date
) -> list[Entry]:
    """The feed's entries for the valid search ``form``: the most recently changed first."""
    results = follow.everything(form.profile(), today, version=form.words.version).results
    history = changes.history_of([result.pk for result in results], today)
    # A programme written without history (generate_catalogue's bulk rows) counts as
    # in the catalogue since its entry was last read against its documents.
    unrecorded = [result.pk for result in results if result.pk not in history]
    read_on = dict(
        Programme.objects.filter(pk__in=unrecorded).values_list("pk", "documents_read_on")
    )
    entries = []
    for result in results:
        found = list(reversed(history.get(result.pk, [])))
        if not found:
            at = datetime.datetime.combine(read_on.get(result.pk, today), datetime.time())
            found = [changes.Change(at=timezone.make_aware(at), text="In the catalogue")]
        url = request.build_absolute_uri(reverse("programmes:detail", args=[result.programme.slug]))
        entries.append(Entry(result=result, url=url, changes=found))
    entries.sort(key=lambda entry: (entry.latest.at, entry.result.programme.name), reverse=True)
    return entries[:MOST_ENTRIES]


class SearchFeed(Feed):
    feed_type = Atom1Feed
    title = "Support programmes for your search: Scaleup Support Finder"
    subtitle = (
        "The support programmes that fit the business described, the most recently "
        "changed first. Always check the details with the provider before you apply."
    )

    def get_object(self, request: HttpRequest, form: BusinessProfileForm) -> Found:
        query = follow.search_query(request.GET, form)
        return Found(
            search_url=f"{reverse('finder:home')}?{query}",
            entries=entries_for(request, form, timezone.localdate()),
        )

    def link(self, found: Found) -> str:
        return found.search_url

    def items(self, found: Found) -> list[Entry]:
        return found.entries

    def item_title(self, entry: Entry) -> str:
        return f"{entry.result.programme.name}: {entry.latest.text}"

    def item_description(self, entry: Entry) -> str:
        verdict = {"eligible": "Eligible", "possible": "Check with an adviser"}.get(
            entry.result.match.level, entry.result.match.level.label
        )
        listed = format_html_join(
            "",
            "<li>{}: {}</li>",
            (
                (changes.day(change.at.date()), change.text)
                for change in entry.changes[:CHANGES_LISTED]
            ),
        )
        return format_html(
            "<p>{}</p><p><strong>{}</strong> for your search. Status: {}.</p>"
            "<p>What changed, newest first:</p><ul>{}</ul>",
            entry.result.programme.summary,
            verdict,
            # "Open (not confirmed: ...)" on old evidence, as the result card says it.
            Recommendation(result=entry.result, url=entry.url).status,
            listed,
        )

    def item_link(self, entry: Entry) -> str:
        return entry.url

    def item_guid(self, entry: Entry) -> str:
        # A new change is a new entry, so a feed reader shows it as news.
        return f"{entry.url}#changed-{entry.latest.at.isoformat()}"

    item_guid_is_permalink = False

    def item_updateddate(self, entry: Entry) -> datetime.datetime:
        return entry.latest.at

    def item_pubdate(self, entry: Entry) -> datetime.datetime:
        return entry.latest.at


@require_safe
def search_feed(request: HttpRequest) -> HttpResponse:
    """The feed of the search in the query string, or 400 naming what is wrong with it."""
    form = follow.search_form(request.GET)
    if not form.is_valid():
        return follow.bad_search(form, "feed")
    return SearchFeed()(request, form=form)
