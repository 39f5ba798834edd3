from django import forms
from django.utils.translation import gettext_lazy as _

from cosell.partners.models import SolutionArea

from .files import ALLOWED_EXTENSIONS
from .models import Offer, OfferContact, OfferDocument
from .services import EDITABLE_FIELDS


class OfferForm(forms.ModelForm):
    solution_areas = forms.MultipleChoiceField(
        label=_("Solution areas"),
        choices=SolutionArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Offer
        fields = list(EDITABLE_FIELDS)


class TechnicalValidationForm(forms.Form):
    """An administrator's review result (not submitted is never set back)."""

    technical_validation = forms.ChoiceField(
        label=_("Technical validation"),
        choices=[
            choice
            for choice in Offer.TechnicalValidation.choices
            if choice[0] != Offer.TechnicalValidation.NOT_SUBMITTED
        ],
    )


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OfferDocument.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("Accepted: %(types)s.")
        % {"types": ", ".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)},
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)}
        ),
    )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=OfferContact.Role.choices)
    countries = forms.CharField(
        label=_("Countries"),
        max_length=1000,
        help_text=_("ISO country codes separated by spaces or semicolons (US CA GB); OOO for all."),
    )


class ContactsImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name,email,job_title,role,countries. Roles: marketing, sales, "
            "technical_sales, customer_success. Countries separated by ; or spaces, OOO for all."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
