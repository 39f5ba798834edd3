"""The deal forms."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cosell.partners.models import Partner
from offers.models import Offer
from opportunities.deals import selectors
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
from opportunities.deals.form_fields import (
    SearchableChecklist,
    _country_choices,
    _lines,
    close_date_field,
    currency_field,
    value_field,
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


class OpportunityForm(forms.Form):
    """Create or edit a deal. ``partner`` scopes the offers and partners to choose from."""

    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, widget=forms.HiddenInput
    )
    name = forms.CharField(label=pgettext_lazy("deal or offer", "Name"), max_length=200)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200)
    customer_address = forms.CharField(label=_("Customer address"), max_length=300, required=False)
    customer_country = forms.ChoiceField(
        label=_("Customer country"), choices=_country_choices, required=False
    )
    customer_size = forms.ChoiceField(
        label=_("Customer size"), choices=[("", "—"), *CustomerSize.choices], required=False
    )
    customer_duns = forms.CharField(label=_("DUNS or external id"), max_length=40, required=False)
    contact_consent = forms.BooleanField(
        label=_("The customer consents to share their contact"), required=False
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    value = value_field(_("Estimated value"))
    currency = currency_field()
    close_date = close_date_field()
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )
    help_needed = forms.MultipleChoiceField(
        label=_("Help needed from Microsoft"),
        choices=HelpNeeded.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assessment_type = forms.ChoiceField(
        label=_("Assessment type (solution assessments only)"),
        choices=[("", "—"), *AssessmentType.choices],
        required=False,
    )
    crm_id = forms.CharField(label=_("CRM id"), max_length=100, required=False)
    purchase_intent = forms.ChoiceField(
        label=_("Marketplace purchase intent"),
        choices=PurchaseIntent.choices,
        initial=PurchaseIntent.UNDECIDED,
    )
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
    share_with_microsoft = forms.BooleanField(
        label=_(
            "Microsoft sellers may view this deal (co-sell with Microsoft asking no help: a "
            "partner-led deal; unticked, it is a private deal)"
        ),
        required=False,
        initial=True,
    )
    invite_microsoft = forms.BooleanField(
        label=_("Invite Microsoft too (partner-to-partner deals)"), required=False
    )
    deal_type = forms.ChoiceField(
        label=_("Deal type"),
        choices=[("", "—"), *DealType.choices, (PRIVATE, _("Private deal"))],
        required=False,
        widget=forms.HiddenInput,
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Yes, record it although it looks like a duplicate"),
        required=False,
        widget=forms.HiddenInput,
    )

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
        self.fields["currency"] = currency_field(first=usual)
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
                for name in _lines(data.pop("microsoft_solutions", ""))
            ]
            solutions += [
                {"kind": OpportunitySolution.Kind.THIRD_PARTY, "name": name}
                for name in _lines(data.pop("third_party_solutions", ""))
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


class InviteForm(forms.Form):
    """A partner, or Microsoft (unless Microsoft already has an open or accepted lead)."""

    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), required=False
    )
    invite_microsoft = forms.BooleanField(
        label=_("Invite Microsoft (a lead routed to the covering seller or the shared queue)"),
        required=False,
    )

    def __init__(self, *args, partner: Partner, microsoft_invited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = selectors.partners_to_invite(partner=partner)
        if microsoft_invited:
            del self.fields["invite_microsoft"]

    def clean(self):
        data = super().clean()
        if bool(data.get("invite_microsoft")) == (data.get("partner") is not None):
            raise forms.ValidationError(_("Choose one partner, or Microsoft."))
        return data


class UpgradeForm(forms.Form):
    category = forms.ChoiceField(
        label=_("New category"), choices=[c for c in Category.choices if c[0] != "private"]
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners to invite (partner-to-partner)"),
        queryset=Partner.objects.none(),
        required=False,
        widget=SearchableChecklist,
    )
    assessment_type = forms.ChoiceField(
        label=_("Assessment type (solution assessments only)"),
        choices=[("", "—"), *AssessmentType.choices],
        required=False,
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = selectors.partners_to_invite(partner=partner)


class CloseForm(forms.Form):
    # No default: closing a deal as won (or lost) is a choice the person makes.
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("won", _("Won")), ("lost", _("Lost")), ("error", _("Error"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Reason (lost or error)"),
        required=False,
        choices=[
            ("", "—"),
            (_("Lost"), LostReason.choices),
            (_("Error"), ErrorReason.choices),
        ],
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=SHORT_NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Sales stage"), choices=[c for c in Stage.choices if c[0] != Stage.WON]
    )
