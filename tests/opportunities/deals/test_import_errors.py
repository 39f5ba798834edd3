"""How a row's failure is reported by the import (no database)."""

from django.core.exceptions import ValidationError

from cosell.core.errors import InvalidTransition, ValidationFailed
from opportunities.deals.services.imports import _errors_of


def test_a_django_validation_error_by_field_is_reported_by_field():
    exc = ValidationError({"name": ["Too long.", "Not unique."], "stage": ValidationError("No.")})
    assert _errors_of(exc) == {"name": ["Too long.", "Not unique."], "stage": ["No."]}


def test_a_django_validation_error_without_field_is_a_non_field_error():
    assert _errors_of(ValidationError(["A.", "B."])) == {"non_field_errors": ["A.", "B."]}


def test_domain_errors_keep_their_fields_and_message():
    assert _errors_of(ValidationFailed({"name": ["Required."]})) == {"name": ["Required."]}
    assert _errors_of(InvalidTransition(message="No move.")) == {"non_field_errors": ["No move."]}
