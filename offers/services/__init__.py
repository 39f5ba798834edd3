"""Writes about offers: every state change goes through one of these functions."""

from .contacts import (
    MAX_IMPORT_BYTES,
    contacts_parse_csv,
    countries_normalize,
    offer_contact_add,
    offer_contact_delete,
    offer_contacts_import,
)
from .documents import offer_document_delete, offer_document_upload
from .offers import (
    EDITABLE_FIELDS,
    MEASURED_FIELDS,
    VALIDATION_SERVICES,
    offer_create,
    offer_facts_set,
    offer_set_technical_validation,
    offer_technical_validation_fail,
    offer_technical_validation_pass,
    offer_technical_validation_submit,
    offer_update,
    queue_evaluation,
    technical_validation_allowed,
)
from .reevaluate import offers_reevaluate_all
from .status import badge_propagate, offer_status_evaluate

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_IMPORT_BYTES",
    "MEASURED_FIELDS",
    "VALIDATION_SERVICES",
    "badge_propagate",
    "contacts_parse_csv",
    "countries_normalize",
    "offer_contact_add",
    "offer_contact_delete",
    "offer_contacts_import",
    "offer_create",
    "offer_document_delete",
    "offer_document_upload",
    "offer_facts_set",
    "offer_set_technical_validation",
    "offer_status_evaluate",
    "offer_technical_validation_fail",
    "offer_technical_validation_pass",
    "offer_technical_validation_submit",
    "offer_update",
    "offers_reevaluate_all",
    "queue_evaluation",
    "technical_validation_allowed",
]
