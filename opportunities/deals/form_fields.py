"""Form fields deal and lead forms share: dates, values, currencies, checklists."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from opportunities.deals.limits import (
    currency_choices,
    deal_value_warn,
    validate_close_date,
    validate_currency,
    validate_deal_value,
)


def close_date_field(**kwargs) -> forms.DateField:
    """An estimated close date: before 2000 refused, in the past warned about (forms.js)."""
    widget = forms.DateInput(
        attrs={
            "type": "date",
            "data-warn-past": _("This date is in the past. Check it, then save again to keep it."),
        },
        format="%Y-%m-%d",
    )
    return forms.DateField(
        label=_("Estimated close date"),
        required=False,
        widget=widget,
        validators=[validate_close_date],
        **kwargs,
    )


class ValueInput(forms.NumberInput):
    """A number input carrying the warning bound as it is set when the page is drawn."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-warn-above"] = str(deal_value_warn())
        context["widget"]["attrs"]["data-warn-message"] = _(
            "This value is unusually high. Check it, then save again to keep it."
        )
        return context


def value_field(label) -> forms.DecimalField:
    """A deal value: above COSELL_DEAL_VALUE_MAX refused, above ..._WARN warned about."""
    field = forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        validators=[validate_deal_value],
    )
    field.widget = ValueInput(attrs=field.widget.attrs)
    return field


def currency_field(*, required: bool = True, first: str = "USD") -> forms.ChoiceField:
    """A select of ISO 4217 codes, ``first`` (the partner's usual currency) on top."""
    blank = [] if required else [("", "—")]
    return forms.ChoiceField(
        label=_("Currency"),
        choices=lambda: blank + currency_choices(first),
        required=required,
        initial=first if required else "",
        validators=[validate_currency],
    )


class SearchableChecklist(forms.CheckboxSelectMultiple):
    """A checklist with a search box (forms.js) however few its options: people pick offers
    and partners by name."""

    searchable = True


def _country_choices():
    return [("", "—"), *list(countries)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
