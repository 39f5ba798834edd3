"""The lead forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opportunities.deals.choices import (
    NOTES_MAX_LENGTH,
    SHORT_NOTES_MAX_LENGTH,
    LostReason,
)
from opportunities.deals.form_fields import (
    _country_choices,
    close_date_field,
    currency_field,
    value_field,
)
from opportunities.leads import selectors


class LeadAcceptForm(forms.Form):
    value = value_field(_("Deal value"))
    currency = currency_field(required=False)
    close_date = close_date_field()
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class LeadDeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *LostReason.choices])
    notes = forms.CharField(
        label=_("Notes"),
        max_length=SHORT_NOTES_MAX_LENGTH,
        widget=forms.Textarea({"rows": 3}),
    )


class LeadSendForm(forms.Form):
    offer = forms.ModelChoiceField(
        label=_("Partner offer"),
        queryset=selectors.offers_for_seller_leads(),
        help_text=_("Leads go to partners for one of their co-sell-ready offers."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    customer_name = forms.CharField(label=_("Customer name"), max_length=200)
    customer_country = forms.ChoiceField(
        label=_("Customer country"), choices=_country_choices, required=False
    )
    contact_consent = forms.BooleanField(
        label=_("The customer consents to share their contact"), required=False
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    value = value_field(_("Estimated value"))
    currency = currency_field(required=False)
    close_date = close_date_field()
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTES_MAX_LENGTH,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].label_from_instance = lambda o: f"{o.partner.name} — {o.name}"

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        offer = data.pop("offer")
        return {**data, "offer_id": offer.pk, "partner_id": offer.partner_id}
