"""Demo offers (``manage.py seed_demo``). Idempotent: safe to run again."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import clock
from cosell.partners.models import Membership, Partner

from . import services
from .models import Offer, OfferDocument, OfferType


def pdf_bytes(title: str) -> bytes:
    """A small, valid one-page PDF showing ``title``."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


OFFERS = [
    {
        "partner_id": "4100001",
        "name": "Contoso Insight Cloud",
        "fields": {
            "offer_type": OfferType.SAAS,
            "solution_type": Offer.SolutionType.IP,
            "solution_areas": ["data_ai"],
        },
        # Facts Microsoft measures: recorded by the portal's administrators.
        "facts": {
            "listing_state": Offer.ListingState.LIVE,
            "transactable": True,
            "has_paid_plan": True,
            "billed_revenue_12m_usd": 180000,
        },
        "technical_validation": Offer.TechnicalValidation.PASSED,
        "documents": [
            OfferDocument.Kind.ONE_PAGER,
            OfferDocument.Kind.PITCH_DECK,
            OfferDocument.Kind.ARCHITECTURE_DIAGRAM,
        ],
        "contacts": [
            ("Avery Sales", "avery@contoso.example", "Account executive", "sales", ["US", "CA"]),
            (
                "Jordan Tech",
                "jordan@contoso.example",
                "Solution architect",
                "technical_sales",
                ["OOO"],
            ),
        ],
    },
    {
        "partner_id": "4100001",
        "name": "Contoso Field Service for Dynamics 365",
        "fields": {
            "offer_type": OfferType.DYNAMICS_365_CE_POWER_APPS,
            "solution_type": Offer.SolutionType.IP,
            "solution_areas": ["business_applications"],
        },
        "facts": {"listing_state": Offer.ListingState.LIVE, "isv_connect_enrolled": True},
        "documents": [OfferDocument.Kind.ONE_PAGER, OfferDocument.Kind.PITCH_DECK],
        "contacts": [
            ("Riley Partner", "riley@contoso.example", "Partner manager", "sales", ["US"])
        ],
    },
    {
        "partner_id": "4100002",
        "name": "Fabrikam Edge Vision",
        "fields": {
            "offer_type": OfferType.IOT_EDGE_MODULE,
            "solution_type": Offer.SolutionType.IP,
            "solution_areas": ["infrastructure"],
        },
        "documents": [OfferDocument.Kind.ONE_PAGER],
        "contacts": [],
    },
    {
        # One requirement away from co-sell ready: a sales contact.
        "partner_id": "4100002",
        "name": "Fabrikam Data Bridge",
        "fields": {
            "offer_type": OfferType.SAAS,
            "solution_type": Offer.SolutionType.IP,
            "solution_areas": ["data_ai"],
        },
        "facts": {"listing_state": Offer.ListingState.LIVE},
        "documents": [OfferDocument.Kind.ONE_PAGER, OfferDocument.Kind.PITCH_DECK],
        "contacts": [
            (
                "Li Wei",
                "li.wei@fabrikam.example",
                "Customer success manager",
                "customer_success",
                ["CN"],
            )
        ],
    },
]


def seed() -> list[tuple[str, str]]:
    """Create the demo offers once, through the services, and evaluate them."""
    now = clock.now()
    for spec in OFFERS:
        partner = Partner.objects.filter(partner_id=spec["partner_id"]).first()
        if partner is None:
            continue
        actor = (
            Membership.objects.filter(partner=partner, role=Membership.Role.ADMIN)
            .select_related("user")
            .first()
        )
        actor = actor.user if actor else None
        offer = Offer.objects.filter(partner=partner, name=spec["name"]).first()
        if offer is None:
            offer = services.offer_create(
                partner=partner, actor=actor, now=now, name=spec["name"], **spec["fields"]
            )
        if spec.get("facts"):
            services.offer_facts_set(offer_id=offer.pk, actor=None, now=now, **spec["facts"])
        if (
            spec.get("technical_validation")
            and offer.technical_validation != (spec["technical_validation"])
        ):
            # The partner submits, an administrator passes (the demo plays both).
            services.offer_technical_validation_submit(offer_id=offer.pk, actor=actor, now=now)
            services.offer_set_technical_validation(
                offer_id=offer.pk, value=spec["technical_validation"], actor=None, now=now
            )
        have = set(offer.documents.values_list("kind", flat=True))
        for kind in spec["documents"]:
            if kind in have:
                continue
            label = OfferDocument.Kind(kind).label
            upload = SimpleUploadedFile(
                f"{spec['name']} - {label}.pdf",
                pdf_bytes(f"{spec['name']}: {label}"),
                content_type="application/pdf",
            )
            services.offer_document_upload(
                offer_id=offer.pk, kind=kind, upload=upload, actor=actor, now=now
            )
        emails = set(offer.contacts.values_list("email", flat=True))
        for name, email, title, role, countries in spec["contacts"]:
            if email not in emails:
                services.offer_contact_add(
                    offer_id=offer.pk,
                    actor=actor,
                    now=now,
                    name=name,
                    email=email,
                    job_title=title,
                    role=role,
                    countries=countries,
                )
        services.offer_status_evaluate(offer_id=offer.pk, now=now, job="demo.seed")
    return []
