"""What each lead operation takes: its fields, limits and checks, declared once."""

from django_countries import countries
from rest_framework import serializers

from opportunities.deals.choices import (
    NOTES_MAX_LENGTH,
    SHORT_NOTES_MAX_LENGTH,
    LostReason,
)
from opportunities.deals.inputs import CloseDateField, CurrencyField, DealValueField
from opportunities.leads.models import Lead


class LeadAcceptSerializer(serializers.Serializer):
    value = DealValueField(required=False, allow_null=True)
    currency = CurrencyField(required=False)
    close_date = CloseDateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)


class LeadDeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    notes = serializers.CharField(max_length=SHORT_NOTES_MAX_LENGTH)


class MarketplaceLeadSerializer(serializers.Serializer):
    """A customer's call to action on a marketplace listing, as the marketplace reports it."""

    offer_id = serializers.IntegerField(min_value=1)
    call_to_action = serializers.ChoiceField(choices=Lead.CallToAction.choices)
    customer_name = serializers.CharField(max_length=200)
    customer_country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    contact_consent = serializers.BooleanField(required=False, default=False)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)


class SellerLeadSerializer(serializers.Serializer):
    """A Microsoft seller's lead to a partner, for one of its co-sell-ready offers (the offer is
    chosen on the page)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    customer_name = serializers.CharField(max_length=200)
    customer_country = serializers.ChoiceField(
        choices=list(countries), required=False, allow_blank=True
    )
    contact_consent = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    value = DealValueField(required=False, allow_null=True)
    currency = CurrencyField(required=False)
    close_date = CloseDateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
