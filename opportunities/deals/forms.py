"""The deal forms, derived from the deal operations' inputs (``inputs``): each field's type,
limits and checks are the declaration's; the forms add labels, widgets and the fields that
show an input another way (offers and solutions as checklists and lines, partners by name).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rest_framework import serializers

from cosell.core.inputs import form_field, input_form
from cosell.partners.models import Partner
from offers.models import Offer
from opportunities.deals import selectors
from opportunities.deals.choices import Category, DealType, ErrorReason, LostReason, Stage
from opportunities.deals.form_fields import SearchableChecklist, country_choices, lines
from opportunities.deals.inputs import (
    CloseSerializer,
    InviteSerializer,
    OpportunityCreateSerializer,
    StageSerializer,
    UpgradeSerializer,
)
from opportunities.deals.kinds import (
    EDIT_FIELDS,
    KIND_FIELDS,
    PRIVATE,
    SECTIONS,
    SOLUTION_FIELDS,
    DealKind,
)
from opportunities.deals.models import OpportunitySolution

TEXTAREA_3 = {"rows": 3}


class _DealPresentation(forms.Form):
    """The fields that show an input another way: ``solutions`` as offers to tick and names
    one per line, ``invite_partner_ids`` as partners to tick (``service_kwargs`` maps back)."""

    offers = forms.ModelMultipleChoiceField(
        label=_("Your offers in this deal"),
        queryset=Offer.objects.none(),
        required=False,
        widget=SearchableChecklist,
    )
    microsoft_solutions = forms.CharField(
        label=_("Microsoft solutions (one per line)"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    third_party_solutions = forms.CharField(
        label=_("Third-party solutions (one per line)"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    invite_partners = forms.ModelMultipleChoiceField(
        label=_("Invite partners (partner-to-partner deals)"),
        queryset=Partner.objects.none(),
        required=False,
        widget=SearchableChecklist,
    )

    field_order = [
        "category",
        "name",
        "customer_name",
        "customer_address",
        "customer_country",
        "customer_size",
        "customer_duns",
        "contact_consent",
        "contact_name",
        "contact_email",
        "contact_phone",
        "value",
        "currency",
        "close_date",
        "notes",
        "help_needed",
        "assessment_type",
        "crm_id",
        "purchase_intent",
        "offers",
        "microsoft_solutions",
        "third_party_solutions",
        "invite_partners",
        "share_with_microsoft",
        "invite_microsoft",
        "deal_type",
        "confirm_duplicate",
    ]


_OpportunityFields = input_form(
    OpportunityCreateSerializer,
    {
        "category": {"label": _("Category"), "widget": forms.HiddenInput},
        "name": {"label": pgettext_lazy("deal or offer", "Name")},
        "customer_name": {"label": _("Customer name")},
        "customer_address": {"label": _("Customer address")},
        "customer_country": {"label": _("Customer country"), "choices": country_choices},
        "customer_size": {"label": _("Customer size")},
        "customer_duns": {"label": _("DUNS or external id")},
        "contact_consent": {"label": _("The customer consents to share their contact")},
        "contact_name": {"label": _("Contact name")},
        "contact_email": {"label": _("Contact email")},
        "contact_phone": {"label": _("Contact phone")},
        "value": {"label": _("Estimated value")},
        # A page always shows a currency: the partner's usual one first (set per partner).
        "currency": {"required": True},
        "close_date": {},
        "notes": {"label": _("Notes"), "widget": forms.Textarea(TEXTAREA_3)},
        "help_needed": {"label": _("Help needed from Microsoft")},
        "assessment_type": {"label": _("Assessment type (solution assessments only)")},
        "crm_id": {"label": _("CRM id")},
        "purchase_intent": {
            "label": _("Marketplace purchase intent"),
            "required": True,
            "initial": "undecided",
        },
        "share_with_microsoft": {
            "label": _(
                "Microsoft sellers may view this deal (co-sell with Microsoft asking no help: a "
                "partner-led deal; unticked, it is a private deal)"
            )
        },
        "invite_microsoft": {
            "label": _("Invite Microsoft too (partner-to-partner deals)"),
            "initial": None,
        },
        "deal_type": {
            "label": _("Deal type"),
            "choices": [*DealType.choices, (PRIVATE, _("Private deal"))],
            "widget": forms.HiddenInput,
        },
        "confirm_duplicate": {
            "label": _("Yes, record it although it looks like a duplicate"),
            "widget": forms.HiddenInput,
            "initial": None,
        },
    },
    base=_DealPresentation,
    name="_OpportunityFields",
)


class OpportunityForm(_OpportunityFields):
    """Create or edit a deal. ``partner`` scopes the offers and partners to choose from."""

    def __init__(
        self,
        *args,
        partner: Partner,
        editing: bool = False,
        kind: DealKind | None = None,
        category: str = "",
        **kwargs,
    ):
        """``kind`` (creating) or the deal's ``category`` (editing) decides which of the
        fields that depend on the deal are kept."""
        super().__init__(*args, **kwargs)
        self.kind = kind
        usual = selectors.usual_currency(partner=partner)
        self.fields["currency"] = form_field(
            self.declaration().fields["currency"], required=True, first=usual
        )
        self.fields["offers"].queryset = selectors.offers_for_deals(partner=partner)
        if editing:
            keep = EDIT_FIELDS.get(category, ())
            for name in ("category", "deal_type", "confirm_duplicate"):
                del self.fields[name]
        else:
            keep = kind.extra_fields if kind else ()
            self.fields["invite_partners"].queryset = selectors.partners_to_invite(partner=partner)
            if kind is not None:
                self.initial.update(category=kind.category, deal_type=kind.query_deal_type)
        for name in KIND_FIELDS:
            if name not in keep and name in self.fields:
                del self.fields[name]
        if kind is not None and kind.key == "co_sell":
            self.fields["help_needed"].required = True
        if category == Category.SOLUTION_ASSESSMENT or (kind and kind.key == "solution_assessment"):
            self.fields["assessment_type"].required = True
            self.fields["assessment_type"].label = _("Assessment type")
            self.fields["customer_country"].required = True

    def sections(self) -> list[dict]:
        """The fields in their sections (deal_kinds.SECTIONS), empty sections left out."""
        result = []
        for key, title, names in SECTIONS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                result.append({"key": key, "title": title, "fields": fields})
        return result

    def show_duplicate_confirmation(self):
        self.fields["confirm_duplicate"].widget = forms.CheckboxInput()

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("deal_type", None)
        if any(name in self.fields for name in SOLUTION_FIELDS):
            solutions = [{"offer_id": offer.pk} for offer in data.pop("offers", ())]
            solutions += [
                {"kind": OpportunitySolution.Kind.MICROSOFT, "name": name}
                for name in lines(data.pop("microsoft_solutions", ""))
            ]
            solutions += [
                {"kind": OpportunitySolution.Kind.THIRD_PARTY, "name": name}
                for name in lines(data.pop("third_party_solutions", ""))
            ]
            data["solutions"] = solutions
        elif "category" in data:
            data["solutions"] = []  # a solution assessment carries only its assessment
        if "invite_partners" in data:
            data["invite_partner_ids"] = [p.pk for p in data.pop("invite_partners")]
        if self.kind is not None and "category" in data:
            data["category"] = self.kind.category
            if self.kind.deal_type:
                data["deal_type"] = self.kind.deal_type
                data["share_with_microsoft"] = True
        return data


class _InvitePresentation(forms.Form):
    """``partner_id`` shown as the partners one may invite, by name."""

    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )


class InviteForm(
    input_form(
        InviteSerializer,
        {
            "invite_microsoft": {
                "label": _(
                    "Invite Microsoft (a lead routed to the covering seller or the shared queue)"
                ),
                "initial": None,
            }
        },
        base=_InvitePresentation,
        name="_InviteFields",
    )
):
    """A partner, or Microsoft (unless Microsoft already has an open or accepted lead)."""

    def __init__(self, *args, partner: Partner, microsoft_invited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = selectors.partners_to_invite(partner=partner)
        if microsoft_invited:
            del self.fields["invite_microsoft"]

    def clean(self):
        """The declaration's own rule (one partner, or Microsoft), worded for the page."""
        data = super().clean()
        partner = data.get("partner")
        try:
            self.declaration().validate(
                {
                    "partner_id": partner.pk if partner is not None else None,
                    "invite_microsoft": bool(data.get("invite_microsoft")),
                }
            )
        except serializers.ValidationError:
            raise forms.ValidationError(_("Choose one partner, or Microsoft.")) from None
        return data


class _UpgradePresentation(forms.Form):
    """``partner_ids`` shown as the partners one may invite, by name."""

    partners = forms.ModelMultipleChoiceField(
        label=_("Partners to invite (partner-to-partner)"),
        queryset=Partner.objects.none(),
        required=False,
        widget=SearchableChecklist,
    )
    field_order = ["category", "partners", "assessment_type"]


class UpgradeForm(
    input_form(
        UpgradeSerializer,
        {
            "category": {
                "label": _("New category"),
                "choices": [c for c in Category.choices if c[0] != Category.PRIVATE],
            },
            "assessment_type": {"label": _("Assessment type (solution assessments only)")},
        },
        base=_UpgradePresentation,
        name="_UpgradeFields",
    )
):
    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = selectors.partners_to_invite(partner=partner)


# No default outcome: closing a deal as won (or lost) is a choice the person makes.
CloseForm = input_form(
    CloseSerializer,
    {
        "outcome": {"label": _("Outcome"), "widget": forms.RadioSelect},
        "reason": {
            "label": _("Reason (lost or error)"),
            "choices": [(_("Lost"), LostReason.choices), (_("Error"), ErrorReason.choices)],
        },
        "notes": {"label": _("Notes"), "widget": forms.Textarea(TEXTAREA_3)},
    },
    name="CloseForm",
)


StageForm = input_form(
    StageSerializer,
    {
        "stage": {
            "label": _("Sales stage"),
            "choices": [c for c in Stage.choices if c[0] != Stage.WON],
        }
    },
    name="StageForm",
)
