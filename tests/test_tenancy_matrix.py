"""Tenancy, route by route: every URL that names an object refuses another partner's admin.

The matrix below lists every browser and API route of our apps that takes an object id, the
object of ``partner`` it is tried with, and the methods it answers. Another partner's admin gets
404 everywhere (the object is outside their reach, so it does not exist for them), and nothing
of ``partner`` changes. A new route with an id fails ``test_every_route_with_an_id_is_covered``
until it is added here, so the promise keeps holding.

No route answers 403 to another partner's admin today: 403 is for a person who sees the object
but whose role may not act on it (a partner user editing an offer, a partner admin setting a
technical validation, which only staff do); tests/offers and tests/webhooks cover those.
"""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cosell.core import clock
from cosell.core.models import ApiToken, AuditEvent, BackgroundJob
from cosell.partners.models import Membership, Partner
from cosell.webhooks import services as webhook_services
from cosell.webhooks.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from offers.models import Offer, OfferContact, OfferDocument
from opportunities.deals.choices import Category
from opportunities.deals.models import Opportunity, TeamMember
from opportunities.leads.models import Lead
from registrations.models import DealRegistration, ExceptionRequest
from tests.offers.factories import OfferContactFactory, OfferDocumentFactory
from tests.opportunities.conftest import make_opportunity
from tests.opportunities.factories import LeadFactory, co_sell_ready_offer
from tests.partners.factories import MembershipFactory, PartnerFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db

# Routes that are not ours to test here: Django's auth views, the admin, the schema, health.
SKIPPED_NAMES = {"password_reset_confirm"}
SKIPPED_PREFIXES = ("admin/", "accounts/", "i18n/", "api/schema/", "api/docs/", "healthz")

# A body that would change something if the view let it through.
FORM_BODY = {
    "name": "Taken over",
    "stage": "qualified",
    "role": "admin",
    "outcome": "won",
    "reason": "budget_not_adequate",
    "notes": "taken over",
    "events": ["lead.created"],
    "category": "p2p",
    "technical_validation": "passed",
    "kind": "one_pager",
    "is_active": "",
}

# route name -> (object key in ``world``, kwargs builder, methods)
O, D, C = "offer", "document", "contact"  # noqa: E741
R, X = "registration", "exception_request"
MATRIX = {
    # browser: offers
    "offers:detail": (O, lambda w: {"offer_id": w[O].pk}, ["get"]),
    "offers:status": (O, lambda w: {"offer_id": w[O].pk}, ["get"]),
    "offers:edit": (O, lambda w: {"offer_id": w[O].pk}, ["get", "post"]),
    "offers:technical_validation": (O, lambda w: {"offer_id": w[O].pk}, ["post"]),
    "offers:document_upload": (O, lambda w: {"offer_id": w[O].pk}, ["get", "post"]),
    "offers:document_download": (
        D,
        lambda w: {"offer_id": w[O].pk, "document_id": w[D].pk},
        ["get"],
    ),
    "offers:document_delete": (
        D,
        lambda w: {"offer_id": w[O].pk, "document_id": w[D].pk},
        ["post"],
    ),
    "offers:contact_add": (O, lambda w: {"offer_id": w[O].pk}, ["get", "post"]),
    "offers:contacts_import": (O, lambda w: {"offer_id": w[O].pk}, ["get", "post"]),
    "offers:contact_delete": (
        C,
        lambda w: {"offer_id": w[O].pk, "contact_id": w[C].pk},
        ["post"],
    ),
    # browser: opportunities and leads (tried with every opportunity / lead of the world)
    "opportunities:opportunity_detail": ("opportunities", None, ["get"]),
    "opportunities:opportunity_edit": ("opportunities", None, ["get", "post"]),
    "opportunities:opportunity_invite": ("opportunities", None, ["get", "post"]),
    "opportunities:opportunity_upgrade": ("opportunities", None, ["get", "post"]),
    "opportunities:opportunity_close": ("opportunities", None, ["get", "post"]),
    "opportunities:opportunity_stage": ("opportunities", None, ["get", "post"]),
    "opportunities:opportunity_move": ("opportunities", None, ["post"]),
    "opportunities:opportunity_status": ("opportunities", None, ["get"]),
    "opportunities:lead_status": ("leads", None, ["get"]),
    "opportunities:lead_detail": ("leads", None, ["get"]),
    "opportunities:lead_row": ("leads", None, ["get"]),
    "opportunities:lead_accept": ("leads", None, ["post"]),
    "opportunities:lead_decline": ("leads", None, ["get", "post"]),
    "opportunities:lead_withdraw": ("leads", None, ["post"]),
    # browser: account, webhooks, members
    "api_token_revoke": ("token", lambda w: {"token_id": w["token"].pk}, ["post"]),
    "webhooks:detail": ("endpoint", lambda w: {"endpoint_id": w["endpoint"].pk}, ["get"]),
    "webhooks:update": ("endpoint", lambda w: {"endpoint_id": w["endpoint"].pk}, ["post"]),
    "webhooks:send_test": ("endpoint", lambda w: {"endpoint_id": w["endpoint"].pk}, ["post"]),
    "webhooks:rotate_secret": (
        "endpoint",
        lambda w: {"endpoint_id": w["endpoint"].pk},
        ["get", "post"],
    ),
    "webhooks:delete": ("endpoint", lambda w: {"endpoint_id": w["endpoint"].pk}, ["get", "post"]),
    "webhooks:resend": (
        "delivery",
        lambda w: {"endpoint_id": w["endpoint"].pk, "delivery_id": w["delivery"].pk},
        ["post"],
    ),
    "member_remove": ("membership", lambda w: {"membership_id": w["membership"].pk}, ["post"]),
    "member_set_role": ("membership", lambda w: {"membership_id": w["membership"].pk}, ["post"]),
    # API
    "api-partner": ("partner", lambda w: {"pk": w["partner"].pk}, ["get", "patch"]),
    "api-offer-detail": (O, lambda w: {"pk": w[O].pk}, ["get", "patch"]),
    "api-offer-co-sell": (O, lambda w: {"pk": w[O].pk}, ["get"]),
    "api-offer-technical-validation-submit": (O, lambda w: {"pk": w[O].pk}, ["post"]),
    "api-offer-technical-validation-pass": (O, lambda w: {"pk": w[O].pk}, ["post"]),
    "api-offer-technical-validation-fail": (O, lambda w: {"pk": w[O].pk}, ["post"]),
    "api-offer-document-list": (O, lambda w: {"offer_pk": w[O].pk}, ["get", "post"]),
    "api-offer-document-detail": (
        D,
        lambda w: {"offer_pk": w[O].pk, "pk": w[D].pk},
        ["get", "delete"],
    ),
    "api-offer-document-file": (D, lambda w: {"offer_pk": w[O].pk, "pk": w[D].pk}, ["get"]),
    "api-offer-contact-list": (O, lambda w: {"offer_pk": w[O].pk}, ["get", "post"]),
    "api-offer-contact-import-csv": (O, lambda w: {"offer_pk": w[O].pk}, ["post"]),
    "api-offer-contact-detail": (
        C,
        lambda w: {"offer_pk": w[O].pk, "pk": w[C].pk},
        ["get", "delete"],
    ),
    "api-opportunity-detail": ("opportunities", None, ["get", "patch"]),
    "api-opportunity-close": ("opportunities", None, ["post"]),
    "api-opportunity-invite": ("opportunities", None, ["post"]),
    "api-opportunity-stage": ("opportunities", None, ["post"]),
    "api-opportunity-upgrade": ("opportunities", None, ["post"]),
    "api-lead-detail": ("leads", None, ["get"]),
    "api-lead-accept": ("leads", None, ["post"]),
    "api-lead-decline": ("leads", None, ["post"]),
    "api-lead-withdraw": ("leads", None, ["post"]),
    "api-webhook": ("endpoint", lambda w: {"pk": w["endpoint"].pk}, ["get", "patch", "delete"]),
    # deal registration: browser and API, by deal and by registration
    "registrations:register": ("opportunities", None, ["get", "post"]),
    "registrations:exception_request": ("opportunities", None, ["post"]),
    "registrations:customer_account": ("opportunities", None, ["post"]),
    "registrations:customer_account_confirm": ("opportunities", None, ["post"]),
    "registrations:resubmit": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "registrations:close": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "registrations:review_action": (R, lambda w: {"pk": w[R].pk, "action": "pass"}, ["post"]),
    "registrations:exception_answer": (
        X,
        lambda w: {"pk": w[X].pk, "decision": "grant"},
        ["post"],
    ),
    "api-opportunity-registration": ("opportunities", None, ["get", "post"]),
    "api-opportunity-registration-exception": ("opportunities", None, ["post"]),
    "api-opportunity-customer-account": ("opportunities", None, ["post"]),
    "api-opportunity-customer-account-confirm": ("opportunities", None, ["post"]),
    "api-registration": (R, lambda w: {"pk": w[R].pk}, ["get", "patch"]),
    "api-registration-pass": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "api-registration-fail": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "api-registration-request_action": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "api-registration-resubmit": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "api-registration-close": (R, lambda w: {"pk": w[R].pk}, ["post"]),
    "api-registration-exception-grant": (X, lambda w: {"pk": w[X].pk}, ["post"]),
    "api-registration-exception-deny": (X, lambda w: {"pk": w[X].pk}, ["post"]),
    "api-webhook-deliveries": ("endpoint", lambda w: {"pk": w["endpoint"].pk}, ["get"]),
    "api-webhook-rotate-secret": ("endpoint", lambda w: {"pk": w["endpoint"].pk}, ["post"]),
    # Partner Center's Referrals API (tried with every referral of ``partner``: its deals and
    # its leads both ways)
    "pc-referral": ("referral_ids", None, ["get", "patch", "put"]),
    "pc-referral-registration": ("referral_ids", None, ["patch"]),
    "pc-referral-registration-update": ("referral_ids", None, ["patch"]),
    # background jobs (CSV imports): only the person who started one sees it
    "jobs:detail": ("job", lambda w: {"job_id": w["job"].pk}, ["get"]),
    "jobs:progress": ("job", lambda w: {"job_id": w["job"].pk}, ["get"]),
    "jobs:file": ("job", lambda w: {"job_id": w["job"].pk}, ["get"]),
    "jobs:apply": ("job", lambda w: {"job_id": w["job"].pk}, ["post"]),
    "api-job": ("job", lambda w: {"pk": w["job"].pk}, ["get"]),
    "api-job-file": ("job", lambda w: {"pk": w["job"].pk}, ["get"]),
    "api-webhook-delivery-resend": (
        "delivery",
        lambda w: {"pk": w["endpoint"].pk, "delivery_id": w["delivery"].pk},
        ["post"],
    ),
}

# Every row of these tables is compared before and after the requests.
WATCHED = [
    Partner,
    Membership,
    Offer,
    OfferDocument,
    OfferContact,
    Opportunity,
    TeamMember,
    Lead,
    WebhookEndpoint,
    WebhookDelivery,
    ApiToken,
    AuditEvent,
    OutboxEvent,
    DealRegistration,
    ExceptionRequest,
    BackgroundJob,
]


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry


def routes_with_ids() -> dict[str, URLPattern]:
    """Our named routes whose path carries a parameter (an object id)."""
    found = {}
    for route, name, entry in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES:
            continue
        if not re.search(r"<\w+:\w+>|\(\?P<", route):
            continue
        assert name, f"An unnamed route with a parameter: {route}"
        found[name] = entry
    return found


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


def test_every_route_with_an_id_is_covered():
    found = routes_with_ids()
    missing = sorted(set(found) - set(MATRIX))
    assert not missing, (
        f"Routes with an object id that the tenancy matrix does not try: {missing}. "
        "Add them to MATRIX in tests/test_tenancy_matrix.py."
    )
    assert not sorted(set(MATRIX) - set(found)), "The matrix names routes that no longer exist."
    # API views: the matrix tries every method the view answers.
    for name, entry in found.items():
        cls = getattr(entry.callback, "cls", None)
        if cls is None:
            continue
        actions = getattr(entry.callback, "actions", None)
        methods = (
            set(actions) - {"head", "options"}  # DRF adds head to the mapping on a GET
            if actions
            else {m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)}
        )
        assert methods == set(MATRIX[name][2]), f"{name}: the view answers {sorted(methods)}"


@pytest.fixture
def world(partner, partner_admin, partner_user, settings, tmp_path):
    """One of everything, owned by ``partner``."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    now = clock.now()
    Partner.objects.filter(pk=partner.pk).update(sa_vetted=True)
    partner.refresh_from_db()
    us_seller = SellerFactory(user=UserFactory(username="tenancy-seller"), countries=["US"])
    SellerFactory(user=UserFactory(username="tenancy-sa"), countries=["US"], is_sa_team=True)
    third = PartnerFactory(name="Tailspin Toys", country="US")
    third_admin = MembershipFactory(partner=third, role=Membership.Role.ADMIN).user
    offer = co_sell_ready_offer(partner, name="Zanzibar Insights", solution_areas=["data_ai"])
    document = OfferDocumentFactory(offer=offer)
    contact = OfferContactFactory(offer=offer, name="Zanzibar Contact")
    opportunities = [
        make_opportunity(partner, partner_admin, now=now, name="Zanzibar private"),
        make_opportunity(
            partner,
            partner_admin,
            now=now,
            category=Category.MICROSOFT,
            name="Zanzibar co-sell",
            customer_name="Woodgrove",
            offer=offer,
        ),
        make_opportunity(
            partner,
            partner_admin,
            now=now,
            category=Category.P2P,
            name="Zanzibar p2p",
            customer_name="Litware",
            invite_partner_ids=[third.pk],
        ),
        make_opportunity(
            partner,
            partner_admin,
            now=now,
            category=Category.SOLUTION_ASSESSMENT,
            name="Zanzibar assessment",
            customer_name="Adatum",
            offer=offer,
            assessment_type="data_ai",
        ),
        # Partner-led: shared for visibility with the seller it is routed to (read-only).
        make_opportunity(
            partner,
            partner_admin,
            now=now,
            category=Category.MICROSOFT,
            name="Zanzibar partner-led",
            customer_name="Fineart School",
            offer=offer,
            help_needed=[],
        ),
    ]
    # A lead ``partner`` received from a third partner, and one routed to a seller.
    incoming = make_opportunity(
        third,
        third_admin,
        now=now,
        category=Category.P2P,
        name="Zanzibar incoming",
        customer_name="Proseware",
        invite_partner_ids=[partner.pk],
    )
    routed = LeadFactory(
        opportunity=opportunities[1],
        sender_user=partner_admin,
        receiver_seller=us_seller,
        offer=offer,
    )
    leads = list(Lead.objects.filter(opportunity__in=[*opportunities, incoming]).order_by("pk"))
    assert {lead.opportunity.category for lead in leads} >= {
        Category.MICROSOFT,
        Category.P2P,
        Category.SOLUTION_ASSESSMENT,
    }
    endpoint = webhook_services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url="http://127.0.0.1:9/hooks",
        events=["lead.created"],
        now=now,
    )
    event = OutboxEvent.objects.create(
        type="lead.created",
        partner=partner,
        subject_type="lead",
        subject_id="1",
        created_at=now,
        dispatched_at=now,
    )
    delivery = WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status=WebhookDelivery.Status.FAILED, created_at=now
    )
    _raw, key_hash, prefix = ApiToken.generate()
    token = ApiToken.objects.create(
        user=partner_admin, name="Zanzibar", key_hash=key_hash, prefix=prefix
    )
    # A registration (and an exception request) of ``partner``'s co-sell deal, as rows.
    registration = DealRegistration.objects.create(
        opportunity=opportunities[1],
        state=DealRegistration.State.REVIEW_PENDING,
        total_contract_value=100000,
        solution_value=50000,
        currency="USD",
        contract_signed_date=now.date(),
        contract_start_date=now.date(),
        tenant_type="customer",
        pricing_model="other",
        annual_value_usd=100000,
        created_at=now,
        updated_at=now,
    )
    exception_request = ExceptionRequest.objects.create(
        opportunity=opportunities[0], reason="Zanzibar exception", created_at=now
    )
    from partnercenter.referrals import selectors as referral_selectors

    referral_ids = [
        f"opportunity-{pk}"
        for pk in referral_selectors.opportunity_rows(
            user=partner_admin, partner_id=partner.pk
        ).values_list("pk", flat=True)
    ] + [
        f"lead-{pk}"
        for pk in referral_selectors.lead_rows(user=partner_admin).values_list("pk", flat=True)
    ]
    assert len(referral_ids) >= 8
    # A reviewed dry run of a Partner Center upload, with its answer file.
    job = BackgroundJob.objects.create(
        kind="partnercenter.bulk_upload",
        user=partner_admin,
        partner_id=partner.pk,
        status=BackgroundJob.Status.SUCCEEDED,
        options={"dry_run": True},
        filename="zanzibar.csv",
        content=b"Deal Name,Customer Name\nZanzibar,Zanzibar customer\n",
        result={"ok": True, "dry_run": True, "applied": False, "counts": {}, "rows": []},
        result_filename="zanzibar-processed.csv",
        result_file=b"Errors,Deal Name,Customer Name\n,Zanzibar,Zanzibar customer\n",
        created_at=now,
        finished_at=now,
    )
    return {
        "partner": partner,
        "job": job,
        "referral_ids": referral_ids,
        R: registration,
        X: exception_request,
        O: offer,
        D: document,
        C: contact,
        "opportunities": opportunities,
        "incoming_opportunity": incoming,
        "leads": leads,
        "routed_lead": routed,
        "endpoint": endpoint,
        "delivery": delivery,
        "token": token,
        "membership": partner_user.membership,
        "us_seller": us_seller,
    }


def _requests(world):
    """(route name, method, url) for every cell of the matrix."""
    for name, (key, kwargs, methods) in MATRIX.items():
        if kwargs is None and key == "referral_ids":
            urls = [reverse(name, kwargs={"id": referral}) for referral in world[key]]
        elif kwargs is None:
            objects = world[key]
            arg = "pk"
            urls = [reverse(name, kwargs={arg: obj.pk}) for obj in objects]
        else:
            urls = [reverse(name, kwargs=kwargs(world))]
        for url in urls:
            for method in methods:
                yield name, method, url


def _send(client, method, url):
    if url.startswith(("/api/", "/v1.0/")):
        if method == "get":
            return client.get(url)
        return getattr(client, method)(
            url, data=json.dumps(FORM_BODY), content_type="application/json"
        )
    if method == "get":
        return client.get(url)
    return client.post(url, FORM_BODY)


def _try_everything(client, world, *, expected=(404,)):
    before = snapshot()
    wrong = []
    for name, method, url in _requests(world):
        response = _send(client, method, url)
        if response.status_code not in expected:
            wrong.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before


def test_another_partners_admin_gets_404_on_every_route(world, other_partner_admin, client_for):
    _try_everything(client_for(other_partner_admin), world)


def test_another_partners_user_gets_404_on_every_route(world, other_partner_user, client_for):
    _try_everything(client_for(other_partner_user), world, expected=(403, 404))


def test_the_matrix_reaches_every_route_for_the_owner(world, partner_admin, client_for):
    """The owner's GETs answer (so a 404 above means tenancy, not a broken fixture)."""
    client = client_for(partner_admin)
    for name, method, url in _requests(world):
        if method != "get":
            continue
        assert client.get(url).status_code in (200, 403), f"GET {url} ({name})"


LIST_PAGES = [
    "offers:list",
    "opportunities:pipeline",
    "opportunities:opportunities_export",
    "opportunities:lead_inbox",
    "opportunities:leads_export",
    "opportunities:dashboard",
    "members",
    "webhooks:list",
    "webhooks:docs",
    "api_tokens",
    "home",
    "api-offer-list",
    "api-opportunity-list",
    "api-opportunity-export",
    "partnercenter:bulk_download",
    "api-opportunity-export-partner-center",
    "api-lead-list",
    "api-lead-export",
    "api-webhooks",
    "api-me",
    "registrations:list",
    "api-registrations",
    "pc-referrals",
]


def test_lists_and_exports_show_nothing_of_another_partner(world, other_partner_admin, client_for):
    client = client_for(other_partner_admin)
    for name in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code < 500, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Zanzibar" not in body, name
        assert world["partner"].name.encode() not in body, name


def _seller_requests(world):
    leads = [world["routed_lead"]]
    private = world["opportunities"][0]
    partner_led = world["opportunities"][4]
    for name in (
        "opportunities:opportunity_detail",
        "opportunities:opportunity_edit",
        "api-opportunity-detail",
    ):
        yield "get", reverse(name, args=[partner_led.pk])
    for lead in leads:
        for name in (
            "opportunities:lead_detail",
            "opportunities:lead_row",
            "opportunities:lead_decline",
            "api-lead-detail",
        ):
            yield "get", reverse(name, args=[lead.pk])
        for name in (
            "opportunities:lead_accept",
            "opportunities:lead_decline",
            "opportunities:lead_withdraw",
            "api-lead-accept",
            "api-lead-decline",
            "api-lead-withdraw",
        ):
            yield "post", reverse(name, args=[lead.pk])
    for name in (
        "opportunities:opportunity_detail",
        "opportunities:opportunity_edit",
        "opportunities:opportunity_stage",
        "api-opportunity-detail",
    ):
        yield "get", reverse(name, args=[private.pk])
    for name in (
        "opportunities:opportunity_edit",
        "opportunities:opportunity_stage",
        "opportunities:opportunity_close",
        "api-opportunity-stage",
        "api-opportunity-close",
    ):
        yield "post", reverse(name, args=[private.pk])


def test_a_seller_outside_the_territory_sees_neither_routed_leads_nor_private_deals(
    world, client_for
):
    fr_seller = SellerFactory(
        user=UserFactory(username="francois"), countries=["FR"], is_sa_team=False
    ).user
    client = client_for(fr_seller)
    before = snapshot()
    wrong = []
    for method, url in _seller_requests(world):
        response = _send(client, method, url)
        if response.status_code != 404:
            wrong.append(f"{method.upper()} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before
    # The routed seller does see it (the 404 above is tenancy, not a missing lead).
    owner = client_for(world["us_seller"].user)
    assert (
        owner.get(reverse("opportunities:lead_detail", args=[world["routed_lead"].pk])).status_code
        == 200
    )
    # The seller the partner-led deal is routed to views it (read-only).
    partner_led = world["opportunities"][4]
    routed_to = partner_led.leads.get().receiver_seller.user
    viewer = client_for(routed_to)
    assert (
        viewer.get(reverse("opportunities:opportunity_detail", args=[partner_led.pk])).status_code
        == 200
    )
    assert (
        viewer.get(reverse("opportunities:opportunity_edit", args=[partner_led.pk])).status_code
        == 403
    )
