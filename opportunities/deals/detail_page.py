"""The opportunity page (issue 16 point 8): its body is rendered once per version of what it
shows and kept in the per-process fragment cache (``CACHES["fragments"]``).

What the body shows comes from the deal's row and the rows around it: its partner, solutions
(and their offers), team (and their people), leads (and their receivers), registration and
history events (and their actors). The query that reads the deal and checks that the viewer may
see it also computes the *version* of all of them: a digest of each row's ``xmin`` and ``ctid``
(PostgreSQL changes the pair on every write, whichever code path made it, even twice in one
transaction) and of which rows there are. The cache key is that version with:

- the viewer: their id, staff flag, membership (partner and role) and seller record, so a
  fragment rendered for one person is never served to another (an invited partner never gets
  the owner's fragment, whatever their role);
- the language and time zone;
- the time left of each lead waiting for an answer, as the page words it ("2 days, 3 hours
  left"), the only part that changes with the clock.

The whole page around the body is kept too, keyed on the body's key and what the page around it
shows (the address, the person's name, partner and role, the navigation's count), except while
messages wait to be shown. A hit costs the deal's query alone (with the navigation's count for
a partner admin's own deal): no solutions, team, leads or history queries, no template work. The
CSRF token is never cached: the page is rendered with a placeholder that each response replaces
with the request's own token.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import timeuntil_filter
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cosell.core import audit, clock
from cosell.core.compiled import CompiledQuery
from cosell.core.models import AuditEvent
from cosell.partners.models import Membership
from opportunities import rules
from opportunities.context_processors import SIGNED_IN_ROLES
from opportunities.deals import selectors as deal_selectors
from opportunities.deals.forms import StageForm
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads import selectors as lead_selectors
from opportunities.leads.models import Lead
from registrations.models import DealRegistration

BODY_TEMPLATE = "opportunities/_detail_body.html"
# Stands for the request's CSRF token in the cached body (letters only: survives escaping).
CSRF_PLACEHOLDER = "cosellDetailPageCsrfTokenPlaceholderQ7vX"
CACHE_ALIAS = "fragments"
CACHE_SECONDS = 3600
KEY_VERSION = 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _row(alias: str) -> str:
    """A row's write stamp: changes with every INSERT or UPDATE of it."""
    return f"{alias}.xmin::text || {alias}.ctid::text"


def _version_sql() -> str:
    opp = Opportunity._meta.db_table
    solution = OpportunitySolution._meta.db_table
    offer = OpportunitySolution._meta.get_field("offer").related_model._meta.db_table
    team = TeamMember._meta.db_table
    user = TeamMember._meta.get_field("user").related_model._meta.db_table
    lead = Lead._meta.db_table
    partner = Lead._meta.get_field("receiver_partner").related_model._meta.db_table
    seller = Lead._meta.get_field("receiver_seller").related_model._meta.db_table
    registration = DealRegistration._meta.db_table
    event = AuditEvent._meta.db_table
    this = f'"{opp}"'
    parts = [
        _row(this),
        f"(SELECT {_row('p')} FROM {partner} p WHERE p.id = {this}.partner_id)",  # noqa: S608 (model table names, no input)
        f"(SELECT string_agg(s.id::text || {_row('s')} || coalesce({_row('f')}, ''), ',' "  # noqa: S608 (model table names, no input)
        f"ORDER BY s.id) FROM {solution} s LEFT JOIN {offer} f ON f.id = s.offer_id "
        f"WHERE s.opportunity_id = {this}.id)",
        f"(SELECT string_agg(t.id::text || {_row('t')} || {_row('u')}, ',' ORDER BY t.id) "  # noqa: S608 (model table names, no input)
        f"FROM {team} t JOIN {user} u ON u.id = t.user_id WHERE t.opportunity_id = {this}.id)",
        f"(SELECT string_agg(l.id::text || {_row('l')} || coalesce({_row('rp')}, '') || "  # noqa: S608 (model table names, no input)
        f"coalesce({_row('rs')}, '') || coalesce({_row('su')}, ''), ',' ORDER BY l.id) "
        f"FROM {lead} l LEFT JOIN {partner} rp ON rp.id = l.receiver_partner_id "
        f"LEFT JOIN {seller} rs ON rs.id = l.receiver_seller_id "
        f"LEFT JOIN {user} su ON su.id = rs.user_id WHERE l.opportunity_id = {this}.id)",
        f"(SELECT string_agg({_row('r')}, ',') FROM {registration} r "  # noqa: S608 (model table names, no input)
        f"WHERE r.opportunity_id = {this}.id)",
        f"(SELECT string_agg(e.id::text || {_row('e')} || coalesce({_row('a')}, ''), ',' "  # noqa: S608 (model table names, no input)
        f"ORDER BY e.id) FROM {event} e LEFT JOIN {user} a ON a.id = e.actor_id "
        f"WHERE e.subject_type_id = %s AND e.subject_id = {this}.id::text)",
    ]
    return "md5(concat_ws('|', " + ", ".join(parts) + "))"


def _deadlines_sql() -> str:
    """The deadlines of the leads waiting for an answer (microseconds since 1970, ``null`` for
    none), in the order of their ids: what the page words as the time left."""
    lead, this = Lead._meta.db_table, f'"{Opportunity._meta.db_table}"'
    return (
        "(SELECT string_agg(coalesce((extract(epoch FROM l.expires_at) * 1000000)::bigint::text,"  # noqa: S608 (model table names, no input)
        f" 'null'), ',' ORDER BY l.id) FROM {lead} l WHERE l.opportunity_id = {this}.id "
        f"AND l.status = '{Lead.Status.RECEIVED}' AND l.needs_answer)"
    )


_SQL: dict[str, str] = {}


def _content_type_id() -> int:
    return ContentType.objects.get_for_model(Opportunity, for_concrete_model=False).pk


def _annotated(content_type_id: int):
    if not _SQL:
        _SQL["version"], _SQL["deadlines"] = _version_sql(), _deadlines_sql()
    return Opportunity.objects.select_related("partner").annotate(
        page_version=RawSQL(_SQL["version"], [content_type_id]),  # noqa: S611 (no input)
        page_deadlines=RawSQL(_SQL["deadlines"], []),  # noqa: S611 (no input)
    )


# The navigation's count of leads waiting for a partner's answer (``selectors.
# leads_waiting_count`` for a partner's people: their partner's received, unexpired leads).
WAITING_FOR_PARTNER_SQL = (
    f"(SELECT COUNT(*) FROM {Lead._meta.db_table} w WHERE w.receiver_partner_id = %s "  # noqa: S608 (model table name, no input)
    "AND w.expires_at > %s AND w.status = %s)"
)


def _own_deal_query(partner_id, pk, content_type, now):
    return (
        _annotated(content_type)
        .filter(partner_id=partner_id, pk=pk)
        .annotate(
            page_leads_waiting=RawSQL(  # noqa: S611 (no input)
                WAITING_FOR_PARTNER_SQL, [partner_id, now, Lead.Status.RECEIVED.value]
            )
        )
    )


# A partner admin's own deal, the commonest case, by its SQL compiled once per process, with
# the navigation's count in the same query (one round trip instead of two).
_own_deal = CompiledQuery(
    _own_deal_query, "partner_id", "pk", "content_type", now=datetime(1, 1, 2, tzinfo=UTC)
)


def opportunity_for_page(*, user, opportunity_id: int, now: datetime) -> Opportunity:
    """``deal_selectors.opportunity_get`` without its solutions and team (loaded on a cache miss
    only), with the page's version: the same rows, the same 404. A partner admin's own deal
    also carries the navigation's count (``page_leads_waiting``)."""
    membership = user.membership_or_none if user.is_authenticated else None
    if membership is not None and membership.role == Membership.Role.ADMIN:
        own = _own_deal(
            partner_id=membership.partner_id,
            pk=opportunity_id,
            content_type=_content_type_id(),
            now=now,
        )
        if own:
            return own[0]
    queryset = _annotated(_content_type_id())
    visibility = deal_selectors.opportunity_visibility(user)
    if visibility is not None:
        queryset = queryset.filter(visibility)
    return get_object_or_404(queryset, pk=opportunity_id)


def _time_left(deadlines: str | None, now: datetime) -> list[str]:
    """Each waiting lead's time left as ``_lead_status.html`` words it."""
    words = []
    for value in (deadlines or "").split(","):
        if not value:
            continue
        if value == "null":
            words.append("expiring")
            continue
        expires_at = EPOCH + timedelta(microseconds=int(value))
        words.append(timeuntil_filter(expires_at, now) if expires_at > now else "expiring")
    return words


def cache_key(user, opportunity: Opportunity, now: datetime) -> str:
    membership = user.membership_or_none
    seller = user.seller_or_none
    parts = [
        opportunity.pk,
        opportunity.page_version,
        user.pk,
        user.is_staff,
        user.is_active,
        membership.partner_id if membership else None,
        membership.role if membership else None,
        seller.pk if seller else None,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        *_time_left(opportunity.page_deadlines, now),
    ]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"opportunity-page:{KEY_VERSION}:{opportunity.pk}:{digest}"


class Body:
    """The page's body: cached HTML, or what renders it (``{% opportunity_body %}``)."""

    def __init__(self, key: str, html: str | None):
        self.key, self.html = key, html

    def store(self, html: str) -> None:
        self.html = html
        caches[CACHE_ALIAS].set(self.key, html, CACHE_SECONDS)


def _leads_waiting(user, opportunity: Opportunity, now: datetime) -> int:
    """The navigation's count, as ``context_processors.leads_waiting`` gives it: from the
    deal's query for a partner admin, else its one COUNT query."""
    if str(user.role) not in SIGNED_IN_ROLES:
        return 0
    waiting = getattr(opportunity, "page_leads_waiting", None)
    if waiting is not None:
        return waiting
    return lead_selectors.leads_waiting_count(user=user, now=now)


def page_key(request, body_key: str, leads_waiting: int) -> str | None:
    """The whole page's key: the body's, with what the page around it shows (the address,
    the person's name, partner and role, the navigation's count). None while messages wait
    to be shown: that page is rendered, never stored."""
    if len(get_messages(request)):
        return None
    user = request.user
    parts = [
        body_key,
        request.get_full_path(),
        str(user),
        str(user.role),
        user.partner.name if user.partner else "",
        leads_waiting,
    ]
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return f"opportunity-page:{KEY_VERSION}:page:{digest}"


def render_detail(request, pk: int) -> HttpResponse:
    user = request.user
    now = clock.now()
    opportunity = opportunity_for_page(user=user, opportunity_id=pk, now=now)
    key = cache_key(user, opportunity, now)
    fragments = caches[CACHE_ALIAS]
    body = Body(key, fragments.get(key))
    leads_waiting = _leads_waiting(user, opportunity, now)
    whole_key = page_key(request, key, leads_waiting)
    html = fragments.get(whole_key) if whole_key and body.html is not None else None
    if html is None:
        # Rendered with a placeholder for the CSRF token, replaced below by the request's own.
        context: dict = {
            "body": body,
            "leads_waiting": leads_waiting,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        if body.html is None:
            prefetch_related_objects(
                [opportunity],
                Prefetch("solutions", queryset=OpportunitySolution.objects.select_related("offer")),
                Prefetch("team", queryset=TeamMember.objects.select_related("user")),
            )
            can_edit = deal_selectors.can_edit(user, opportunity)
            context.update(
                leads=deal_selectors.opportunity_leads(opportunity=opportunity),
                history=audit.history(opportunity)[:50],
                can_edit=can_edit and not opportunity.is_terminal,
                stage_form=StageForm(initial={"stage": opportunity.stage}),
                now=now,
            )
        context["opportunity"] = rules.opportunity_as_seen_by(opportunity, user)
        html = render_to_string("opportunities/opportunity_detail.html", context, request)
        if whole_key:
            fragments.set(whole_key, html, CACHE_SECONDS)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
