"""The kinds of deal a partner records, asked first on the "new deal" page: each is a category
and (for deals with Microsoft) a deal type, and each shows only the fields that apply to it,
grouped in sections.

The kind travels as ``?category=...&deal_type=...`` (links, so it works without JavaScript) and
as two hidden fields of the form; the service (``opportunity_create``) enforces the same rules.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from opportunities.deals.choices import Category, DealType

PRIVATE = "private"  # the third answer to "what does Microsoft do?": nothing, a private deal


@dataclass(frozen=True)
class DealKind:
    key: str
    category: str
    deal_type: str  # co_sell, partner_led or "" (the service's DealType)
    title: str
    description: str
    icon: str
    # Sections of the form that apply, beyond the ones every deal has.
    extra_fields: tuple[str, ...]
    needs_co_sell_offer: bool = False
    needs_sa_vetting: bool = False

    @property
    def query_deal_type(self) -> str:
        """The deal type as the page's parameter says it ("private" for a private deal)."""
        return self.deal_type or (PRIVATE if self.category == Category.PRIVATE else "")

    def query(self) -> str:
        deal_type = self.query_deal_type
        return f"?category={self.category}" + (f"&deal_type={deal_type}" if deal_type else "")


SOLUTION_FIELDS = ("offers", "microsoft_solutions", "third_party_solutions")
# The fields that depend on the kind of deal; every other field applies to every deal.
KIND_FIELDS = (
    *SOLUTION_FIELDS,
    "help_needed",
    "assessment_type",
    "invite_partners",
    "invite_microsoft",
    "share_with_microsoft",
)

KINDS = {
    kind.key: kind
    for kind in (
        DealKind(
            key="co_sell",
            category=Category.MICROSOFT,
            deal_type=DealType.CO_SELL,
            title=_("Co-sell with Microsoft"),
            description=_(
                "Microsoft's sellers help you win it: you say what help you need, and a seller "
                "answers within 14 days."
            ),
            icon="people",
            extra_fields=(*SOLUTION_FIELDS, "help_needed"),
            needs_co_sell_offer=True,
        ),
        DealKind(
            key="partner_led",
            category=Category.MICROSOFT,
            deal_type=DealType.PARTNER_LED,
            title=_("Partner-led"),
            description=_(
                "You lead it; Microsoft's sellers may see it, and you can ask for help later."
            ),
            icon="eye",
            extra_fields=SOLUTION_FIELDS,
            needs_co_sell_offer=True,
        ),
        DealKind(
            key="private",
            category=Category.PRIVATE,
            deal_type="",
            title=_("Private deal"),
            description=_("Only your company sees it. You can share it with Microsoft later."),
            icon="lock",
            extra_fields=SOLUTION_FIELDS,
        ),
        DealKind(
            key="p2p",
            category=Category.P2P,
            deal_type="",
            title=_("Partner to partner"),
            description=_(
                "You invite other partners (and Microsoft, if you wish) to sell with you."
            ),
            icon="diagram-3",
            extra_fields=(*SOLUTION_FIELDS, "invite_partners", "invite_microsoft", "help_needed"),
        ),
        DealKind(
            key="solution_assessment",
            category=Category.SOLUTION_ASSESSMENT,
            deal_type="",
            title=_("Solution assessment"),
            description=_("An assessment of the customer's estate, for vetted partners."),
            icon="clipboard-data",
            extra_fields=("assessment_type",),
            needs_co_sell_offer=True,
            needs_sa_vetting=True,
        ),
    )
}
# A ``microsoft`` deal posted without its type (older links, scripts): both questions are asked
# on the form itself, as before.
UNTYPED_MICROSOFT = DealKind(
    key="microsoft",
    category=Category.MICROSOFT,
    deal_type="",
    title=_("Co-sell with Microsoft"),
    description="",
    icon="people",
    extra_fields=(*SOLUTION_FIELDS, "help_needed", "share_with_microsoft"),
    needs_co_sell_offer=True,
)

# Which extra fields an existing deal of each category keeps on its edit page (a partner-led
# deal keeps "help needed": asking for help turns it co-sell).
EDIT_FIELDS = {
    Category.MICROSOFT: (*SOLUTION_FIELDS, "help_needed"),
    Category.PRIVATE: SOLUTION_FIELDS,
    Category.P2P: (*SOLUTION_FIELDS, "help_needed"),
    Category.SOLUTION_ASSESSMENT: ("assessment_type",),
}


def kind_for(category: str | None, deal_type: str | None) -> DealKind | None:
    """The kind a ``category`` and ``deal_type`` name; None when they name none (ask again)."""
    category, deal_type = category or "", deal_type or ""
    if category == Category.MICROSOFT:
        if deal_type == PRIVATE:
            return KINDS["private"]
        return {
            DealType.CO_SELL: KINDS["co_sell"],
            DealType.PARTNER_LED: KINDS["partner_led"],
        }.get(deal_type)
    for kind in KINDS.values():
        if kind.category == category and kind.category != Category.MICROSOFT:
            return kind
    return None


# The form's sections, in order: (key, title, fields). Fields a kind lacks are left out, and a
# section left empty is not shown.
SECTIONS = (
    ("deal", _("The deal"), ("name", "value", "currency", "close_date", "purchase_intent")),
    (
        "customer",
        _("Customer"),
        ("customer_name", "customer_country", "customer_address", "customer_size", "customer_duns"),
    ),
    (
        "contact",
        _("Customer contact"),
        ("contact_consent", "contact_name", "contact_email", "contact_phone"),
    ),
    ("solutions", _("Solutions"), SOLUTION_FIELDS),
    ("assessment", _("Assessment"), ("assessment_type",)),
    ("microsoft", _("Help from Microsoft"), ("help_needed", "share_with_microsoft")),
    ("partners", _("Partners to invite"), ("invite_partners", "invite_microsoft")),
    ("more", _("Notes and references"), ("notes", "crm_id")),
)
