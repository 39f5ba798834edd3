"""Referral JSON in: a created referral's body and JSON Patch operations, read into the portal's
own fields and validated by the portal's own serializers (``/api/v1``'s), whose errors are
renamed to the Referral's paths so a 400 names what the client sent."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cosell.core.api import flatten_errors
from cosell.core.errors import ValidationFailed
from opportunities.deals.inputs import OpportunityCreateSerializer, OpportunityFieldsSerializer
from registrations.api import RegistrationFormSerializer

from .mapping import HELP_CODES
from .selectors import SALES_STAGES

HELP_BY_CODE = {code: help for help, code in HELP_CODES.items()}
# The portal's field -> the Referral's path, for error messages.
FIELD_PATHS = {
    "name": "name",
    "customer_name": "customerProfile/name",
    "customer_address": "customerProfile/address/addressLine1",
    "customer_country": "customerProfile/address/country",
    "customer_size": "customerProfile/size",
    "customer_duns": "customerProfile/ids",
    "contact_name": "customerProfile/team",
    "contact_email": "customerProfile/team",
    "contact_phone": "customerProfile/team",
    "contact_consent": "consent/consentToToShareInfoWithOthers",
    "value": "details/dealValue",
    "currency": "details/currency",
    "close_date": "details/closingDateTime",
    "notes": "details/notes",
    "solutions": "details/requirements/solutions",
    "help_needed": "inviteContext/assistanceRequestCode",
    "crm_id": "externalReferenceId",
    "stage": "salesStage",
    "reason": "statusReason",
    "outcome": "substatus",
    "category": "type",
    "deal_type": "inviteContext/assistanceRequestCode",
    "invite_partner_ids": "target",
    "invite_microsoft": "target",
    "partner_id": "target",
    "partner_ids": "target",
    "assessment_type": "type",
    "user": "team",
    "total_contract_value": "registrations/contract/value",
    "solution_value": "registrations/solutionDetails/value",
    "contract_signed_date": "registrations/contract/signDateTime",
    "contract_start_date": "registrations/contract/startDateTime",
    "contract_end_date": "registrations/contract/endDateTime",
    "perpetual": "registrations/contract/term",
    "tenant_type": "registrations/solutionDetails/primaryDeploymentOn",
    "pricing_model": "registrations/solutionDetails/pricingModel",
    "deployed_on_azure": "registrations/solutionDetails/isDeployedOnAzure",
    "marketplace_transaction": (
        "registrations/solutionDetails/marketplaceTransactionDetails/isMarketplaceTransacted"
    ),
    "marketplace_transaction_date": (
        "registrations/solutionDetails/marketplaceTransactionDetails/marketplaceTransactionDateTime"
    ),
}


def referral_errors(errors: dict) -> dict[str, list[str]]:
    """Errors by portal field (dotted for nested items) as errors by Referral path."""
    renamed: dict[str, list[str]] = {}
    for name, messages in errors.items():
        head = str(name).split(".", 1)[0]
        renamed.setdefault(FIELD_PATHS.get(head, str(name)), []).extend(str(m) for m in messages)
    return renamed


def invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed({path: [message]})


def validated(serializer) -> dict:
    if not serializer.is_valid():
        raise ValidationFailed(referral_errors(flatten_errors(serializer.errors)))
    return dict(serializer.validated_data)


def as_object(value, path: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid(path, _("Give an object."))
    return value


def as_list(value, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(path, _("Give a list."))
    return value


def date_part(value, path: str):
    """A Referral date-time as the portal's date (its day, UTC)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise invalid(path, _("Give a date and time such as 2026-12-01T00:00:00Z."))
    return value[:10]


def solution_item(item, path: str) -> dict:
    item = as_object(item, path)
    identifier, name = str(item.get("id") or ""), str(item.get("name") or "")
    offer = re.fullmatch(r"offer-(\d{1,12})", identifier)
    if offer:
        return {"offer_id": int(offer.group(1))}
    if not (name or identifier):
        raise invalid(path, _("Name the solution (id or name)."))
    return {"kind": "microsoft", "name": name or identifier}


def contact_fields(members, path: str) -> dict:
    """The customer's team: the portal keeps one customer contact."""
    members = as_list(members, path)
    if len(members) > 1:
        raise invalid(path, _("The portal keeps one customer contact: give at most one."))
    if not members:
        return {"contact_name": "", "contact_email": "", "contact_phone": ""}
    member = as_object(members[0], path)
    name = " ".join(str(member.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    return {
        "contact_name": name,
        "contact_email": str(member.get("email") or ""),
        "contact_phone": str(member.get("phoneNumber") or ""),
    }


def team_emails(members, path: str) -> list[str]:
    emails = []
    for member in as_list(members, path):
        email = str(as_object(member, path).get("email") or "").strip()
        if not email:
            raise invalid(path, _("Name each team member by email."))
        emails.append(email)
    return emails


def help_needed(code, path: str) -> list[str]:
    if code in (None, "", "Unknown"):
        return []
    if code not in HELP_BY_CODE:
        raise invalid(path, _("Choose one of: %s.") % ", ".join(HELP_BY_CODE))
    return [HELP_BY_CODE[code]]


def stage(value, path: str = "salesStage") -> str:
    if value not in SALES_STAGES:
        raise invalid(path, _("Choose one of: %s.") % ", ".join(SALES_STAGES))
    # The portal's stage each of Partner Center's four names (Close: negotiated; won by closing).
    return {"Qualify": "qualified", "Develop": "developed", "Propose": "proposed"}.get(
        value, "negotiated"
    )


def customer_fields(profile) -> dict:
    profile = as_object(profile, "customerProfile")
    address = as_object(profile.get("address"), "customerProfile/address")
    fields = {}
    if "name" in profile:
        fields["customer_name"] = profile.get("name") or ""
    lines = [str(address.get(k) or "").strip() for k in ("addressLine1", "addressLine2", "city")]
    lines += [str(address.get(k) or "").strip() for k in ("state", "postalCode")]
    if any(lines):
        fields["customer_address"] = ", ".join(line for line in lines if line)
    if "country" in address:
        fields["customer_country"] = str(address.get("country") or "").upper()
    if profile.get("size"):
        fields["customer_size"] = profile["size"]
    for entry in as_list(profile.get("ids"), "customerProfile/ids"):
        entry = as_object(entry, "customerProfile/ids")
        duns = entry.get("id") if str(entry.get("type", "")).lower() == "duns" else None
        duns = duns or entry.get("duns") or entry.get("Duns")
        if duns:
            fields["customer_duns"] = str(duns)
    if "team" in profile:
        fields.update(contact_fields(profile["team"], "customerProfile/team"))
    return fields


def details_fields(details) -> tuple[dict, list | None]:
    details = as_object(details, "details")
    fields = {}
    if "notes" in details:
        fields["notes"] = details.get("notes") or ""
    if "dealValue" in details:
        fields["value"] = details["dealValue"]
    if details.get("currency"):
        fields["currency"] = details["currency"]
    if "closingDateTime" in details:
        fields["close_date"] = date_part(details["closingDateTime"], "details/closingDateTime")
    requirements = as_object(details.get("requirements"), "details/requirements")
    solutions = None
    if "solutions" in requirements:
        path = "details/requirements/solutions"
        solutions = [solution_item(item, path) for item in as_list(requirements["solutions"], path)]
    return fields, solutions


UNSUPPORTED = ("campaignId", "referralProgram")


@dataclass
class NewReferral:
    """A POSTed referral, read: the deal's fields and what follows its creation."""

    fields: dict
    type: str
    targets: list[dict]
    engagement: str = ""
    status: tuple[str, str, str] | None = None
    stage: str = ""
    team: list[str] = field(default_factory=list)


def new_referral(body: dict) -> NewReferral:
    for name in UNSUPPORTED:
        if body.get(name):
            raise invalid(name, _("The portal does not keep this field."))
    kind = body.get("type")
    if kind not in ("Independent", "Shared"):
        raise invalid("type", _("Choose Independent or Shared."))
    targets = [as_object(t, "target") for t in as_list(body.get("target"), "target")]
    consent = as_object(body.get("consent"), "consent")
    invite = as_object(body.get("inviteContext"), "inviteContext")
    if invite.get("notes"):
        raise invalid("inviteContext/notes", _("The portal does not keep invitation notes."))
    fields = {"name": body.get("name") or "", **customer_fields(body.get("customerProfile"))}
    fields.setdefault("customer_name", "")
    details, solutions = details_fields(body.get("details"))
    fields.update(details)
    fields["solutions"] = solutions or []
    fields["contact_consent"] = bool(
        consent.get("consentToToShareInfoWithOthers") or consent.get("consentToContact")
    )
    if body.get("externalReferenceId"):
        fields["crm_id"] = body["externalReferenceId"]
    fields["help_needed"] = help_needed(
        invite.get("assistanceRequestCode"), "inviteContext/assistanceRequestCode"
    )
    share = consent.get("consentToShareReferralWithMicrosoftSellers")
    if kind == "Independent" and share:
        raise invalid(
            "consent/consentToShareReferralWithMicrosoftSellers",
            _("An Independent referral is not shared: create a Shared one."),
        )
    if kind == "Shared":
        fields["share_with_microsoft"] = share is not False
    status = None
    if body.get("status") or body.get("substatus"):
        status = status_move(body.get("status"), body.get("substatus"), body.get("statusReason"))
    return NewReferral(
        fields=fields,
        type=kind,
        targets=targets,
        engagement=str(body.get("engagementId") or ""),
        status=status,
        stage=stage(body["salesStage"]) if body.get("salesStage") else "",
        team=team_emails(body.get("team"), "team"),
    )


def validate_create(fields: dict) -> dict:
    return validated(OpportunityCreateSerializer(data=fields))


def validate_changes(fields: dict) -> dict:
    return validated(OpportunityFieldsSerializer(data=fields, partial=True))


def validate_registration(fields: dict, *, partial: bool) -> dict:
    return validated(RegistrationFormSerializer(data=fields, partial=partial))


SUBSTATUSES = {
    "New": ("Pending", "Received"),
    "Active": ("Accepted",),
    "Closed": ("Won", "Lost", "Declined", "Expired"),
}


def status_move(status, substatus, reason) -> tuple[str, str, str]:
    """(status, substatus, reason) as Partner Center's transition table allows them."""
    if status is not None and not isinstance(status, str):
        raise invalid("status", _("Choose one of: %s.") % ", ".join(SUBSTATUSES))
    if substatus is not None and not isinstance(substatus, str):
        raise invalid("substatus", _("Give a text."))
    if not status:
        status = next((s for s, subs in SUBSTATUSES.items() if substatus in subs), None)
    if status not in SUBSTATUSES:
        raise invalid("status", _("Choose one of: %s.") % ", ".join(SUBSTATUSES))
    if (not substatus and len(SUBSTATUSES[status]) == 1) or (status == "New" and not substatus):
        substatus = SUBSTATUSES[status][0]
    if substatus not in SUBSTATUSES[status]:
        raise invalid(
            "substatus",
            _("With status %(status)s the substatus is one of: %(allowed)s.")
            % {"status": status, "allowed": ", ".join(SUBSTATUSES[status])},
        )
    if reason is not None and not isinstance(reason, str):
        raise invalid("statusReason", _("Give a text."))
    return status, substatus, (reason or "").strip()


def registration_fields(value) -> dict:
    """``add /registrations/-``: Partner Center's deal registration as the portal's form."""
    value = as_object(value, "registrations")
    if value.get("type") not in (None, "AzureIPCoSell"):
        raise invalid("registrations/type", _("Only AzureIPCoSell registrations exist."))
    fields = contract_fields(as_object(value.get("contract"), "registrations/contract"))
    details = as_list(value.get("solutionDetails"), "registrations/solutionDetails")
    if len(details) != 1:
        raise invalid(
            "registrations/solutionDetails",
            _("Give one solution: the deal's offer with Azure IP co-sell incentive status."),
        )
    fields.update(solution_fields(as_object(details[0], "registrations/solutionDetails")))
    fields.setdefault("perpetual", False)
    return fields


def contract_fields(contract: dict) -> dict:
    fields = {}
    names = {
        "value": "total_contract_value",
        "signDateTime": "contract_signed_date",
        "startDateTime": "contract_start_date",
        "endDateTime": "contract_end_date",
    }
    for key, name in names.items():
        if key in contract:
            raw = contract[key]
            fields[name] = (
                raw if key == "value" else date_part(raw, f"registrations/contract/{key}")
            )
    if "term" in contract:
        if contract["term"] not in ("Perpetual", "Finite"):
            raise invalid("registrations/contract/term", _("Choose Perpetual or Finite."))
        fields["perpetual"] = contract["term"] == "Perpetual"
    if "currency" in contract:
        fields["currency"] = contract["currency"]
    return fields


def solution_fields(detail: dict) -> dict:
    fields = {}
    if "value" in detail:
        fields["solution_value"] = detail["value"]
    if "isDeployedOnAzure" in detail:
        fields["deployed_on_azure"] = detail["isDeployedOnAzure"]
    if "primaryDeploymentOn" in detail:
        fields["tenant_type"] = str(detail["primaryDeploymentOn"] or "").lower()
    if "pricingModel" in detail:
        fields["pricing_model"] = {"PayAsYouGo": "pay_as_you_go", "Other": "other"}.get(
            detail["pricingModel"], str(detail["pricingModel"])
        )
    if "currency" in detail:
        fields["currency"] = detail["currency"]
    market = as_object(
        detail.get("marketplaceTransactionDetails"),
        "registrations/solutionDetails/marketplaceTransactionDetails",
    )
    if "isMarketplaceTransacted" in market:
        fields["marketplace_transaction"] = market["isMarketplaceTransacted"]
    if "marketplaceTransactionDateTime" in market:
        fields["marketplace_transaction_date"] = date_part(
            market["marketplaceTransactionDateTime"],
            "registrations/solutionDetails/marketplaceTransactionDetails/"
            "marketplaceTransactionDateTime",
        )
    return fields
