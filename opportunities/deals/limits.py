"""What a deal's figures may be: the currencies, the close date and the value.

Declared once and used by the forms, the API serializers (and so the CSV import) alike:
impossible values are refused; merely unlikely ones (a past close date, a value above
COSELL_DEAL_VALUE_WARN) are only warned about in the browser, before saving.
"""

from datetime import date
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# The earliest close date a deal may have: nothing in the portal predates it.
EARLIEST_CLOSE_DATE = date(2000, 1, 1)


@cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes of the currencies in use in some territory today (Babel's CLDR data)."""
    today = date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, today))
    return frozenset(codes)


def currency_choices(first: str = "") -> list[tuple[str, str]]:
    """(code, "code — name") in the current language, sorted by code, ``first`` on top."""
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    choices = []
    for code in sorted(currency_codes()):
        try:
            name = get_currency_name(code, locale=locale)
        except Exception:  # an unknown locale: the code alone says enough
            name = code
        choices.append((code, f"{code} — {name}" if name != code else code))
    if first in currency_codes():
        choices.sort(key=lambda choice: choice[0] != first)
    return choices


def deal_value_max() -> Decimal:
    return Decimal(str(settings.COSELL_DEAL_VALUE_MAX))


def deal_value_warn() -> Decimal:
    return Decimal(str(settings.COSELL_DEAL_VALUE_WARN))


def validate_currency(value: str) -> None:
    if value and value not in currency_codes():
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency in use."),
            code="invalid",
            params={"code": value},
        )


def validate_close_date(value: date | None) -> None:
    if value is not None and value < EARLIEST_CLOSE_DATE:
        raise ValidationError(
            _("A close date before %(date)s is not possible."),
            code="min_value",
            params={"date": EARLIEST_CLOSE_DATE.isoformat()},
        )


def validate_deal_value(value: Decimal | None) -> None:
    if value is not None and value > deal_value_max():
        raise ValidationError(
            _("A deal value above %(max)s is not possible."),
            code="max_value",
            params={"max": f"{deal_value_max():,.0f}"},
        )
