from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EventType


class EndpointEditForm(forms.Form):
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The events this endpoint receives."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class EndpointForm(EndpointEditForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An http or https address on the public internet that accepts POST."),
    )
    field_order = ["url", "events", "is_active"]
