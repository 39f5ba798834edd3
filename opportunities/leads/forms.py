"""The lead forms, derived from the lead operations' inputs (``inputs``): each field's type,
limits and checks are the declaration's; the forms add labels and widgets, and the seller's
lead shows its offer by partner and name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cosell.core.inputs import input_form
from opportunities.deals.form_fields import country_choices
from opportunities.leads import selectors
from opportunities.leads.inputs import (
    LeadAcceptSerializer,
    LeadDeclineSerializer,
    SellerLeadSerializer,
)

LeadAcceptForm = input_form(
    LeadAcceptSerializer,
    {
        "value": {"label": _("Deal value")},
        "currency": {},
        "close_date": {},
        "notes": {"label": _("Notes"), "widget": forms.Textarea({"rows": 2})},
    },
    name="LeadAcceptForm",
)


LeadDeclineForm = input_form(
    LeadDeclineSerializer,
    {
        # A blank first choice: the reason is a choice the person makes.
        "reason": {"label": _("Reason"), "blank": True},
        "notes": {"label": _("Notes"), "widget": forms.Textarea({"rows": 3})},
    },
    name="LeadDeclineForm",
)


class _SellerLeadPresentation(forms.Form):
    offer = forms.ModelChoiceField(
        label=_("Partner offer"),
        queryset=selectors.offers_for_seller_leads(),
        help_text=_("Leads go to partners for one of their co-sell-ready offers."),
    )


class LeadSendForm(
    input_form(
        SellerLeadSerializer,
        {
            "title": {"label": _("Title")},
            "customer_name": {"label": _("Customer name")},
            "customer_country": {"label": _("Customer country"), "choices": country_choices},
            "contact_consent": {"label": _("The customer consents to share their contact")},
            "contact_name": {"label": _("Contact name")},
            "contact_email": {"label": _("Contact email")},
            "contact_phone": {"label": _("Contact phone")},
            "value": {"label": _("Estimated value")},
            "currency": {},
            "close_date": {},
            "notes": {"label": _("Notes"), "widget": forms.Textarea({"rows": 3})},
        },
        base=_SellerLeadPresentation,
        name="_SellerLeadFields",
    )
):
    """A Microsoft seller's lead to a partner's co-sell-ready offer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].label_from_instance = lambda o: f"{o.partner.name} — {o.name}"

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        offer = data.pop("offer")
        return {**data, "offer_id": offer.pk, "partner_id": offer.partner_id}
