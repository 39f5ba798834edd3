"""How the API shows a lead (as its viewer may see it)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cosell.core.representation import DirectColumnsMixin
from opportunities import rules
from opportunities.deals.api.serializers import (
    CustomerContactSerializer,
    PartnerRefSerializer,
    _viewer,
)
from opportunities.deals.choices import (
    LostReason,
)
from opportunities.leads.models import Lead


class LeadSerializer(DirectColumnsMixin, serializers.ModelSerializer):
    direction = serializers.SerializerMethodField()
    opportunity = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    receiver_partner = PartnerRefSerializer(allow_null=True)
    receiver_seller = serializers.SerializerMethodField()
    in_queue = serializers.BooleanField()
    customer = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    time_left_seconds = serializers.SerializerMethodField()
    answered_by = serializers.SerializerMethodField()
    decline_reason = serializers.CharField(help_text=", ".join(LostReason.values))
    kept_until = serializers.DateTimeField(
        allow_null=True,
        help_text=_("Marketplace leads that need no answer: when they leave the inbox."),
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "status",
            "source",
            "direction",
            "opportunity",
            "sender",
            "receiver",
            "receiver_partner",
            "receiver_seller",
            "in_queue",
            "title",
            "call_to_action",
            "offer_id",
            "customer",
            "contact",
            "value",
            "currency",
            "close_date",
            "notes",
            "sent_at",
            "needs_answer",
            "expires_at",
            "kept_until",
            "archived_at",
            "time_left_seconds",
            "reminded_at",
            "answered_at",
            "answered_by",
            "decline_reason",
            "decline_notes",
        ]

    def to_representation(self, instance):
        return super().to_representation(rules.lead_as_seen_by(instance, _viewer(self)))

    def get_direction(self, obj) -> str:
        return obj.direction

    def get_opportunity(self, obj) -> PartnerRefSerializer(allow_null=True):  # type: ignore[valid-type]
        if obj.opportunity_id is None:
            return None
        return {"id": obj.opportunity_id, "name": obj.opportunity.name}

    def get_sender(self, obj) -> dict:
        return {
            "partner": (
                {"id": obj.sender_partner_id, "name": obj.sender_partner.name}
                if obj.sender_partner_id
                else None
            ),
            "user": str(obj.sender_user) if obj.sender_user_id else None,
        }

    def get_receiver_seller(self, obj) -> str | None:
        return str(obj.receiver_seller.user) if obj.receiver_seller_id else None

    def get_customer(self, obj) -> dict:
        return obj.customer()

    def get_contact(self, obj) -> CustomerContactSerializer(allow_null=True):  # type: ignore[valid-type]
        return obj.visible_contact

    def get_time_left_seconds(self, obj) -> int | None:
        left = obj.time_left(self.context.get("now") or timezone.now())
        return None if left is None else int(left.total_seconds())

    def get_answered_by(self, obj) -> str | None:
        return str(obj.answered_by) if obj.answered_by_id else None
