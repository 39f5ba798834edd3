"""Browser forms of deal registration: Partner Center's form, derived from the model's fields
(the service checks Partner Center's rules, the same for the browser and the API)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opportunities.deals.choices import CustomerAccount

from . import services
from .models import MAX_MESSAGE_LENGTH, DealRegistration

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = DealRegistration
        fields = list(services.FORM_FIELDS)
        widgets = {
            "marketplace_transaction_date": DATE,
            "contract_signed_date": DATE,
            "contract_start_date": DATE,
            "contract_end_date": DATE,
            "tenant_type": forms.RadioSelect,
            "pricing_model": forms.RadioSelect,
        }
        help_texts = {
            "perpetual": _("A perpetual contract's value counts over 6 years."),
            "solution_value": _("The part of the contract that is your solution."),
            "contract_signed_date": _("Within the last 60 days."),
            "contract_end_date": _("Leave empty for a perpetual contract."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons: the choices themselves, without the select's empty "---------".
        self.fields["tenant_type"].choices = DealRegistration.TenantType.choices
        self.fields["pricing_model"].choices = DealRegistration.PricingModel.choices

    def _post_clean(self):
        """Partner Center's rules are the service's; the model's own checks need the deal."""


class ResubmitForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the reviewers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_MESSAGE_LENGTH,
    )


class ExceptionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why Microsoft should register this deal"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_MESSAGE_LENGTH,
        help_text=_("At most 5,000 characters. One request per deal."),
    )


class CustomerAccountForm(forms.Form):
    customer_account = forms.ChoiceField(
        label=_("The customer's account"), choices=CustomerAccount.choices
    )


class ReviewForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the partner"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_MESSAGE_LENGTH,
        required=False,
    )
