"""What each deal operation takes: its fields, limits and checks, declared once."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework import serializers

from cosell.core.inputs import BLANK_CHOICE, declared_validators, is_required
from opportunities.deals.choices import (
    NOTES_MAX_LENGTH,
    SHORT_NOTES_MAX_LENGTH,
    AssessmentType,
    Category,
    CustomerSize,
    DealType,
    ErrorReason,
    HelpNeeded,
    LostReason,
    PurchaseIntent,
    Stage,
)
from opportunities.deals.form_fields import ValueInput, close_date_widget
from opportunities.deals.limits import (
    currency_choices,
    validate_close_date,
    validate_currency,
    validate_deal_value,
)
from opportunities.deals.models import Opportunity, OpportunitySolution


class CurrencyField(serializers.RegexField):
    """The one currency rule: an ISO 4217 code in use today (``limits.validate_currency``).
    On a form: a select of those codes, the partner's usual one (``first``) on top."""

    def __init__(self, **kwargs):
        super().__init__(
            r"^[A-Z]{3}$",
            error_messages={"invalid": _("Use a three-letter ISO 4217 code.")},
            validators=[validate_currency],
            **kwargs,
        )

    def form_field(self, *, required: bool | None = None, first: str = "USD", **presentation):
        needed = is_required(self) if required is None else required
        blank = [] if needed else [BLANK_CHOICE]
        return forms.ChoiceField(
            **{
                "label": _("Currency"),
                "choices": lambda: blank + currency_choices(first),
                "required": needed,
                "initial": first if needed else "",
                "validators": declared_validators(self),
                **presentation,
            }
        )


class DealValueField(serializers.DecimalField):
    """A deal's value: at least 0, at most COSELL_DEAL_VALUE_MAX (``limits``). On a form: a
    number input that warns above COSELL_DEAL_VALUE_WARN before saving."""

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=14, decimal_places=2, min_value=0, validators=[validate_deal_value], **kwargs
        )

    def form_field(self, *, required: bool | None = None, **presentation):
        field = forms.DecimalField(
            max_digits=self.max_digits,
            decimal_places=self.decimal_places,
            min_value=self.min_value,
            required=is_required(self) if required is None else required,
            validators=declared_validators(self),
            **presentation,
        )
        field.widget = ValueInput(attrs=field.widget.attrs)
        return field


class CloseDateField(serializers.DateField):
    """An estimated close date: not before 2000 (``limits``). On a form: a date picker that
    warns about a date in the past before saving."""

    def __init__(self, **kwargs):
        super().__init__(validators=[validate_close_date], **kwargs)

    def form_field(self, *, required: bool | None = None, **presentation):
        return forms.DateField(
            **{
                "label": _("Estimated close date"),
                "required": is_required(self) if required is None else required,
                "widget": close_date_widget(),
                "validators": declared_validators(self),
                **presentation,
            }
        )


class SolutionInputSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(
        choices=[OpportunitySolution.Kind.MICROSOFT, OpportunitySolution.Kind.THIRD_PARTY],
        required=False,
    )
    name = serializers.CharField(required=False, max_length=200)

    def validate(self, attrs):
        if attrs.get("offer_id") is None and not (attrs.get("kind") and attrs.get("name")):
            raise serializers.ValidationError(
                _("Give offer_id, or kind (microsoft or third_party) and name.")
            )
        return attrs


class OpportunityFieldsSerializer(serializers.Serializer):
    """The editable fields, shared by create and partial update."""

    name = serializers.CharField(max_length=200)
    customer_name = serializers.CharField(max_length=200)
    customer_address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    customer_country = serializers.ChoiceField(
        choices=list(countries), required=False, allow_blank=True
    )
    customer_size = serializers.ChoiceField(
        choices=CustomerSize.choices, required=False, allow_blank=True
    )
    customer_duns = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_consent = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    value = DealValueField(required=False, allow_null=True)
    currency = CurrencyField(required=False)
    close_date = CloseDateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
    help_needed = serializers.ListField(
        child=serializers.ChoiceField(choices=HelpNeeded.choices), required=False
    )
    assessment_type = serializers.ChoiceField(
        choices=AssessmentType.choices, required=False, allow_blank=True
    )
    crm_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    purchase_intent = serializers.ChoiceField(choices=PurchaseIntent.choices, required=False)
    solutions = SolutionInputSerializer(many=True, required=False)


class OpportunityCreateSerializer(OpportunityFieldsSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    solutions = SolutionInputSerializer(many=True)
    invite_partner_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    invite_microsoft = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("p2p only: invite Microsoft as well as the partners."),
    )
    deal_type = serializers.ChoiceField(
        choices=DealType.choices,
        required=False,
        allow_blank=True,
        help_text=_(
            "microsoft only. co_sell: help_needed names the help asked (a lead sellers answer "
            "within 14 days); partner_led: no help, shared with Microsoft sellers for "
            "visibility. Left out: decided by help_needed and share_with_microsoft."
        ),
    )
    share_with_microsoft = serializers.BooleanField(
        required=False,
        default=True,
        help_text=_(
            "microsoft only: may Microsoft sellers view a deal that asks no help? No records a "
            "private deal."
        ),
    )
    confirm_duplicate = serializers.BooleanField(required=False, default=False)


class InviteSerializer(serializers.Serializer):
    """One party per call: a partner (``partner_id``), or Microsoft (``invite_microsoft``)."""

    partner_id = serializers.IntegerField(required=False, allow_null=True)
    invite_microsoft = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Invite Microsoft to this partner-to-partner deal instead of a partner."),
    )

    def validate(self, attrs):
        if attrs.get("invite_microsoft") == (attrs.get("partner_id") is not None):
            raise serializers.ValidationError(
                {"partner_id": [_("Invite one partner, or Microsoft.")]}
            )
        return attrs


class UpgradeSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    partner_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    assessment_type = serializers.ChoiceField(
        choices=AssessmentType.choices, required=False, allow_blank=True
    )


CLOSE_OUTCOMES = (Opportunity.Status.WON, Opportunity.Status.LOST, Opportunity.Status.ERROR)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[(s.value, s.label) for s in CLOSE_OUTCOMES])
    # Checked against the outcome by the service: lost and error have their own codes.
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="lost: "
        + ", ".join(LostReason.values)
        + "; error: "
        + ", ".join(ErrorReason.values),
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=SHORT_NOTES_MAX_LENGTH
    )


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
