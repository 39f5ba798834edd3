import factory

from offers.models import CoSellStatus, Offer, OfferContact, OfferDocument, OfferType
from tests.partners.factories import PartnerFactory


class OfferFactory(factory.django.DjangoModelFactory):
    """An offer. Tests that need a given co-sell status may set ``co_sell_status`` directly:
    factories build fixtures, they do not stand in for the status engine."""

    class Meta:
        model = Offer

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Offer {n}")
    offer_type = OfferType.SAAS
    listing_state = Offer.ListingState.LIVE
    solution_type = Offer.SolutionType.IP
    solution_areas = ["data_ai"]
    co_sell_status = CoSellStatus.NOT_READY


class OfferContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferContact

    offer = factory.SubFactory(OfferFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    role = OfferContact.Role.SALES
    countries = ["OOO"]


PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


class OfferDocumentFactory(factory.django.DjangoModelFactory):
    """A stored document (fixture only: uploads through the service are checked)."""

    class Meta:
        model = OfferDocument

    offer = factory.SubFactory(OfferFactory)
    kind = OfferDocument.Kind.ONE_PAGER
    original_name = factory.LazyAttribute(lambda d: f"{d.kind}.pdf")
    extension = "pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    file = factory.django.FileField(data=PDF_BYTES, filename="doc.pdf")
