"""JSON Patch (RFC 6902) on a referral: ``add`` and ``replace`` on the paths Microsoft's
connector lists (plus the few the deprecated PUT needs), read into one plan of portal changes.
Any other operation or path is a 400 naming it; nothing is applied unless all of it reads."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import inputs
from .inputs import invalid

# path -> the portal's field (a plain value the serializer checks)
SIMPLE = {
    "/name": "name",
    "/externalReferenceId": "crm_id",
    "/customerProfile/name": "customer_name",
    "/customerProfile/address/country": "customer_country",
    "/customerProfile/size": "customer_size",
    "/details/dealValue": "value",
    "/details/currency": "currency",
    "/details/notes": "notes",
}
UNSUPPORTED = ("/campaignId", "/referralProgram")
REGISTRATION_PATH = re.compile(r"^/registrations/0/(contract|solutionDetails/0)/(.+)$")


@dataclass
class Plan:
    changes: dict = field(default_factory=dict)
    solutions: list | None = None
    stage: str = ""
    team: list[str] = field(default_factory=list)
    share_with_microsoft: bool = False
    status: tuple | None = None
    register: dict | None = None
    registration_changes: dict = field(default_factory=dict)
    append_solutions: bool = False
    append_contact: bool = False
    unshare: bool = False

    @property
    def touches_deal(self) -> bool:
        return bool(
            self.changes
            or self.solutions is not None
            or self.stage
            or self.team
            or self.share_with_microsoft
            or self.unshare
            or self.register is not None
            or self.registration_changes
        )


def read(operations) -> Plan:
    if not isinstance(operations, list) or not operations:
        raise invalid("body", _("Send a JSON Patch document: a list of operations."))
    plan, status = Plan(), {}
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise invalid(str(index), _("Each operation is an object with op, path and value."))
        op, path = operation.get("op"), operation.get("path")
        if op not in ("add", "replace"):
            raise invalid(
                f"{index}/op", _("Only add and replace are supported, not “%(op)s”.") % {"op": op}
            )
        if not isinstance(path, str):
            raise invalid(f"{index}/path", _("Give the path of the field."))
        if "value" not in operation:
            raise invalid(path, _("Give a value."))
        value = operation["value"]
        if path.endswith("/-") and op != "add":
            raise invalid(path, _("Append to a list with add."))
        _read_one(plan, status, path, value)
    if status:
        if "status" not in status and "substatus" not in status:
            raise invalid(
                "/statusReason", _("A status reason goes with a status or substatus change.")
            )
        plan.status = inputs.status_move(
            status.get("status"), status.get("substatus"), status.get("statusReason")
        )
    if plan.changes:
        plan.changes = inputs.validate_changes(plan.changes)
    if plan.solutions is not None:
        plan.solutions = inputs.validate_changes({"solutions": plan.solutions})["solutions"]
    if plan.registration_changes:
        plan.registration_changes = _registration(plan.registration_changes, partial=True)
    return plan


def _registration(fields: dict, *, partial: bool) -> dict:
    currency = fields.pop("currency", None)
    validated = inputs.validate_registration(fields, partial=partial)
    if currency is not None:
        validated["currency"] = currency
    return validated


def _read_one(plan: Plan, status: dict, path: str, value) -> None:
    if path in SIMPLE:
        plan.changes[SIMPLE[path]] = "" if value is None and path != "/details/dealValue" else value
    elif path in ("/consent/consentToToShareInfoWithOthers", "/consent/consentToContact"):
        if not isinstance(value, bool):
            raise invalid(path, _("Give true or false."))
        plan.changes["contact_consent"] = value
    elif path == "/details/closingDateTime":
        plan.changes["close_date"] = inputs.date_part(value, path)
    elif path == "/details/requirements/solutions":
        plan.solutions = [inputs.solution_item(v, path) for v in inputs.as_list(value, path)]
    elif path == "/details/requirements/solutions/-":
        plan.solutions = (plan.solutions or []) + [inputs.solution_item(value, path)]
        plan.append_solutions = True
    elif path == "/customerProfile/team":
        plan.changes.update(inputs.contact_fields(value, path))
    elif path == "/customerProfile/team/-":
        plan.changes.update(inputs.contact_fields([value], path))
        plan.append_contact = True
    elif path in ("/team", "/team/-"):
        plan.team += inputs.team_emails(value if path == "/team" else [value], path)
    elif path == "/salesStage":
        plan.stage = inputs.stage(value, path)
    elif path in ("/status", "/substatus", "/statusReason"):
        status[path[1:]] = value
    elif path == "/consent/consentToShareReferralWithMicrosoftSellers":
        if not isinstance(value, bool):
            raise invalid(path, _("Give true or false."))
        plan.share_with_microsoft = value
        plan.unshare = not value
    elif path == "/registrations/-":
        plan.register = _registration(inputs.registration_fields(value), partial=False)
    elif REGISTRATION_PATH.match(path):
        part, name = REGISTRATION_PATH.match(path).groups()
        reader = inputs.contract_fields if part == "contract" else inputs.solution_fields
        if name.startswith("marketplaceTransactionDetails/"):
            value = {name.split("/", 1)[1]: value}
            name = "marketplaceTransactionDetails"
        read_fields = reader({name: value})
        if not read_fields:
            raise invalid(path, _("This field cannot be changed."))
        plan.registration_changes.update(read_fields)
    elif path in UNSUPPORTED:
        raise invalid(path, _("The portal does not keep this field."))
    else:
        raise invalid(path, _("This path cannot be changed."))


# The deprecated PUT sends the whole referral: its writable paths become ``replace`` operations
# where they differ from the referral as it is; read-only properties are ignored.
PUT_PATHS = (
    "/name",
    "/externalReferenceId",
    "/customerProfile/name",
    "/customerProfile/address/country",
    "/customerProfile/size",
    "/customerProfile/team",
    "/details/dealValue",
    "/details/currency",
    "/details/notes",
    "/details/closingDateTime",
    "/details/requirements/solutions",
    "/salesStage",
    "/consent/consentToShareReferralWithMicrosoftSellers",
)
_MISSING = object()


def _pointer(document, path: str):
    value = document
    for part in path.strip("/").split("/"):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _same(path: str, given, current) -> bool:
    if current is _MISSING:
        return given in (None, "", [], {})
    if path == "/details/closingDateTime" and isinstance(given, str):
        return given[:10] == str(current)[:10]
    if path == "/details/dealValue" and isinstance(given, (int, float, str)):
        try:
            return float(given) == float(current)
        except (TypeError, ValueError):
            return False
    if path == "/details/requirements/solutions" and isinstance(given, list):
        key = lambda items: [  # noqa: E731
            (i.get("id"), i.get("name")) if isinstance(i, dict) else i for i in items
        ]
        return key(given) == key(current)
    return given == current


def put_operations(body, current: dict) -> list[dict]:
    if not isinstance(body, dict):
        raise invalid("body", _("Send the referral as one JSON object."))
    for name in UNSUPPORTED:
        if body.get(name.strip("/")):
            raise invalid(name.strip("/"), _("The portal does not keep this field."))
    operations = []
    for path in PUT_PATHS:
        given = _pointer(body, path)
        if given is not _MISSING and not _same(path, given, _pointer(current, path)):
            operations.append({"op": "replace", "path": path, "value": given})
    if isinstance(body.get("team"), list):
        known = {m.get("email") for m in current.get("team", [])}
        added = [m for m in body["team"] if not isinstance(m, dict) or m.get("email") not in known]
        if added:
            operations.append({"op": "replace", "path": "/team", "value": added})
    moved = any(
        path in body and body[path] != current.get(path) for path in ("status", "substatus")
    )
    if moved:
        for path in ("status", "substatus", "statusReason"):
            if path in body:
                operations.append({"op": "replace", "path": "/" + path, "value": body[path]})
    return operations
