"""Demo opportunities and leads (``manage.py seed_demo``), after the partners and offers demos.
Idempotent: a deal whose CRM id exists is left alone."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from cosell.core import clock
from cosell.partners.models import Partner
from offers.models import CO_SELL_READY_STATUSES, Offer
from opportunities.deals import services as deal_services
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def seed() -> list[tuple[str, str]]:
    contoso = Partner.objects.filter(partner_id="4100001").first()
    fabrikam = Partner.objects.filter(partner_id="4100002").first()
    admin, user, fab_admin = _user("contoso-admin"), _user("contoso-user"), _user("fabrikam-admin")
    seller = _user("seller")
    if not (contoso and fabrikam and admin and user and fab_admin):
        return []
    now = clock.now()
    # The Azure IP co-sell incentive offer first: its deals can be registered with Microsoft.
    ready = (
        Offer.objects.filter(partner=contoso, co_sell_status="azure_ip_incentive").first()
        or Offer.objects.filter(partner=contoso, co_sell_status__in=CO_SELL_READY_STATUSES).first()
    )

    def deal(crm_id, category, **fields):
        existing = Opportunity.objects.filter(partner=contoso, crm_id=crm_id).first()
        if existing is not None:
            return existing, False
        solutions = [{"offer_id": ready.pk}] if ready else [{"kind": "microsoft", "name": "Azure"}]
        if category == Category.SOLUTION_ASSESSMENT:
            solutions = []  # a solution assessment carries only its assessment
        return (
            deal_services.opportunity_create(
                partner=contoso,
                actor=fields.pop("actor", admin),
                now=fields.pop("at", now),
                category=category,
                crm_id=crm_id,
                solutions=solutions,
                confirm_duplicate=True,
                currency=fields.pop("currency", "USD"),
                **fields,
            ),
            True,
        )

    opp, new = deal(
        "DEMO-1",
        Category.PRIVATE,
        name="Analytics rollout",
        customer_name="Northwind Traders",
        customer_country="US",
        value=120000,
        actor=user,
    )
    if new:  # deals in several stages
        for stage in ("qualified", "developed"):
            deal_services.opportunity_set_stage(
                opportunity_id=opp.pk, stage=stage, actor=user, now=now
            )
    opp, new = deal(
        "DEMO-2",
        Category.P2P,
        name="Joint data estate",
        customer_name="Tailspin Toys",
        customer_country="CN",
        value=80000,
        currency="CNY",
        invite_partner_ids=[fabrikam.pk],
    )
    if new:
        lead = opp.leads.get()
        lead_services.lead_accept(lead_id=lead.pk, actor=fab_admin, now=now)
        deal_services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="proposed", actor=admin, now=now
        )
    opp, new = deal(
        "DEMO-3",
        Category.P2P,
        name="Retail insights",
        customer_name="Wide World Importers",
        customer_country="US",
        value=45000,
        invite_partner_ids=[fabrikam.pk],
    )
    opp, new = deal(
        "DEMO-4",
        Category.PRIVATE,
        name="Lost pilot",
        customer_name="Litware",
        customer_country="US",
        value=10000,
    )
    if new:
        deal_services.opportunity_close(
            opportunity_id=opp.pk,
            outcome="lost",
            reason="budget_not_adequate",
            actor=admin,
            now=now,
        )
    # An old invitation nobody answered: it expires on the next run of the job.
    deal(
        "DEMO-5",
        Category.P2P,
        name="Forgotten invitation",
        customer_name="Proseware",
        customer_country="US",
        value=5000,
        invite_partner_ids=[fabrikam.pk],
        at=now - timedelta(days=20),
    )
    lead_services.lead_expire_due(now)
    opp, new = deal(
        "DEMO-9",
        Category.PRIVATE,
        name="Data platform renewal",
        customer_name="Coho Winery",
        customer_country="US",
        value=300000,
        at=now - timedelta(days=40),
    )
    if new:  # a won deal
        deal_services.opportunity_set_stage(
            opportunity_id=opp.pk, stage="negotiated", actor=admin, now=now - timedelta(days=5)
        )
        deal_services.opportunity_close(opportunity_id=opp.pk, outcome="won", actor=admin, now=now)
    _seed_fabrikam_invitation(fabrikam, contoso, fab_admin, now)
    if ready is not None:
        opp, new = deal(
            "DEMO-6",
            Category.MICROSOFT,
            name="Co-sell: AI assistant",
            customer_name="Contoso Pharmaceuticals",
            customer_country="US",
            value=250000,
            help_needed=["proof_of_concept"],
        )
        # No help asked, shared with Microsoft sellers: a partner-led deal.
        opp, new = deal(
            "DEMO-7",
            Category.MICROSOFT,
            name="Partner-led: migration",
            customer_name="Adventure Works",
            customer_country="US",
            value=90000,
            at=now - timedelta(days=12),
        )
        if contoso.sa_vetted:
            deal(
                "DEMO-8",
                Category.SOLUTION_ASSESSMENT,
                name="Security assessment",
                customer_name="Fourth Coffee",
                customer_country="US",
                value=15000,
                assessment_type="security",
            )
        if seller is not None and seller.seller_or_none is not None:
            from opportunities.leads.models import Lead

            if not Lead.objects.filter(
                source=Lead.Source.SELLER, receiver_partner=contoso
            ).exists():
                lead_services.seller_lead_send(
                    actor=seller,
                    partner_id=contoso.pk,
                    offer_id=ready.pk,
                    customer_name="Alpine Ski House",
                    customer_country="US",
                    title="Alpine Ski House wants analytics",
                    value=60000,
                    currency="USD",
                    now=now,
                )
    return []


def _seed_fabrikam_invitation(fabrikam, contoso, fab_admin, now) -> None:
    """Fabrikam's own pipeline, and a partner's invitation waiting in Contoso's inbox."""
    if Opportunity.objects.filter(partner=fabrikam, crm_id="DEMO-F1").exists():
        return
    deal_services.opportunity_create(
        partner=fabrikam,
        actor=fab_admin,
        now=now - timedelta(days=2),
        category=Category.P2P,
        crm_id="DEMO-F1",
        name="Edge analytics for retail stores",
        customer_name="Trey Research",
        customer_country="CN",
        value=150000,
        currency="CNY",
        solutions=[{"kind": "microsoft", "name": "Azure IoT Edge"}],
        invite_partner_ids=[contoso.pk],
        confirm_duplicate=True,
    )
