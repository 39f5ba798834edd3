"""The customer's consent to share their contact: one rule, used by every surface.

- A contact is stored only with the customer's consent (``require``: the services, the CSV
  import and the Referrals API all check through it).
- Consent withdrawn takes the contact with it (``withdraw``).
- A contact is shown only with consent (``shown``, ``shown_in`` for selected values): the
  pages, the API, the CSV export, the webhooks, the mail and Partner Center's formats show
  what they return, and the access policy (``rules``) blanks the fields when they return None.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def require(fields: Mapping, errors: dict) -> None:
    """Refuse (into ``errors``) a contact given without the customer's consent."""
    if fields.get("contact_consent"):
        return
    if any(fields.get(name) for name in CONTACT_FIELDS):
        errors.setdefault("contact_consent", []).append(
            _("A customer contact can only be stored with the customer's consent.")
        )


def withdraw(changes: dict) -> None:
    """Changes that withdraw consent blank the contact too (unless they set it themselves)."""
    if changes.get("contact_consent") is False:
        for name in CONTACT_FIELDS:
            changes.setdefault(name, "")


def shown_in(values: Mapping, prefix: str = "") -> dict | None:
    """The contact ``values`` (columns, under ``prefix``) may show: None without consent."""
    if not values[f"{prefix}contact_consent"]:
        return None
    return {
        "name": values[f"{prefix}contact_name"],
        "email": values[f"{prefix}contact_email"],
        "phone": values[f"{prefix}contact_phone"],
    }


def shown(source) -> dict | None:
    """The contact a deal or lead may show: None without consent."""
    return shown_in({name: getattr(source, name) for name in ("contact_consent", *CONTACT_FIELDS)})
