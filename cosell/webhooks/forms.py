from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventFormat, EventType, PartnerCenterEvent


class EndpointEditForm(forms.Form):
    event_format = forms.ChoiceField(
        label=_("Event format"),
        choices=EventFormat.choices,
        initial=EventFormat.COSELL,
        required=False,  # not sent: Cosell's on a new endpoint, unchanged on an existing one
        widget=forms.RadioSelect,
        help_text=_(
            "Cosell's events and payload, or Partner Center's referral events and payload (for "
            "an integration built for Partner Center). Both carry the Standard Webhooks headers."
        ),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[*EventType.choices, *PartnerCenterEvent.choices],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events this endpoint receives, in its format."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_kwargs(self) -> dict:
        """The cleaned data for the endpoint services (a format not sent is left out)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "event_format" or value
        }


class EndpointForm(EndpointEditForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An http or https address on the public internet that accepts POST."),
    )
    field_order = ["url", "event_format", "events", "is_active"]


class RotateSecretForm(forms.Form):
    keep_previous = forms.BooleanField(
        label=_("Keep signing with the current secret for 24 hours"),
        required=False,
        initial=True,
        help_text=_(
            "While you switch your receiver to the new secret. Leave it off if the current "
            "secret leaked: it then stops at once."
        ),
    )
