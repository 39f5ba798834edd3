"""Widgets and helpers deal and lead forms share: the date picker, the value input, checklists.

The fields themselves are derived from the operations' inputs (``inputs``, ``cosell.core.inputs``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from opportunities.deals.limits import (
    deal_value_warn,
)


def close_date_widget() -> forms.DateInput:
    """A date picker that warns about a date in the past (forms.js)."""
    return forms.DateInput(
        attrs={
            "type": "date",
            "data-warn-past": _("This date is in the past. Check it, then save again to keep it."),
        },
        format="%Y-%m-%d",
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


class SearchableChecklist(forms.CheckboxSelectMultiple):
    """A checklist with a search box (forms.js) however few its options: people pick offers
    and partners by name."""

    searchable = True


def country_choices() -> list:
    """The countries, named in the reader's language."""
    return list(countries)


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
