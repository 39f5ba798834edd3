"""Leads as CSV: the export."""

from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse

from cosell.core.csv_files import EXPORT_LIMIT, csv_lines, streaming_csv
from opportunities import rules
from opportunities.deals.csv_io import CHUNK_SIZE
from opportunities.leads.models import Lead

LEAD_COLUMNS = [
    "id",
    "status",
    "source",
    "direction",
    "opportunity_id",
    "title",
    "sender_partner",
    "receiver",
    "receiver_partner",
    "customer_name",
    "customer_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "value",
    "currency",
    "close_date",
    "sent_at",
    "expires_at",
    "answered_at",
    "decline_reason",
]


def lead_row(lead: Lead, *, user) -> list:
    lead = rules.lead_as_seen_by(lead, user)
    customer = lead.customer()
    contact = lead.visible_contact
    return [
        lead.pk,
        lead.status,
        lead.source,
        lead.direction,
        lead.opportunity_id,
        lead.display_title,
        lead.sender_partner.name if lead.sender_partner_id else "",
        lead.receiver,
        lead.receiver_partner.name if lead.receiver_partner_id else "",
        customer["name"],
        customer["country"],
        (contact or {}).get("name", ""),
        (contact or {}).get("email", ""),
        (contact or {}).get("phone", ""),
        lead.value,
        lead.currency,
        lead.close_date,
        lead.sent_at,
        lead.expires_at,
        lead.answered_at,
        lead.decline_reason,
    ]


def export_leads(queryset, *, user) -> StreamingHttpResponse:
    """``queryset``: the caller's filtered ``selectors.lead_list``."""
    rows = (
        lead_row(lead, user=user)
        for lead in queryset.order_by("-sent_at", "-id")[:EXPORT_LIMIT].iterator(
            chunk_size=CHUNK_SIZE
        )
    )
    return streaming_csv(csv_lines(LEAD_COLUMNS, rows), "leads.csv")


def lead_filter(queryset, params) -> QuerySet[Lead]:
    """The lead inbox's filters: ``status``, ``q`` (title or customer) and ``direction``."""
    status = params.get("status", "")
    if status in Lead.Status.values:
        queryset = queryset.filter(status=status)
    search = params.get("q", "").strip()
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search)
            | Q(customer_name__icontains=search)
            | Q(opportunity__name__icontains=search)
            | Q(opportunity__customer_name__icontains=search)
        )
    return queryset
