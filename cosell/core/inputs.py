"""Each operation's input, declared once.

An operation's input (its fields, their limits and their checks) is declared once, as a DRF
serializer in the app's ``inputs`` module. The API validates requests with it, the CSV import
validates rows with it, and the pages' forms are derived from it here: ``input_form`` builds a
Django form whose fields carry the same types, lengths, bounds, choices, requiredness and
validators. What a form adds is presentation only: labels, widgets, help, a blank choice, the
order of choices.

A declared field can say how it shows on a form by a ``form_field(**presentation)`` method
(the currency, for example, is a select of ISO 4217 codes with the partner's usual one first).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core import validators as django_validators
from rest_framework import fields as drf
from rest_framework import serializers

BLANK_CHOICE = ("", "—")

# Validators each framework adds by itself from a field's own arguments (max_length,
# min_value, ...): the form field adds its own from the same arguments.
_BUILT_IN = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    django_validators.MaxValueValidator,
    django_validators.MinValueValidator,
    django_validators.ProhibitNullCharactersValidator,
    django_validators.DecimalValidator,
    django_validators.EmailValidator,
    django_validators.RegexValidator,
    drf.ProhibitSurrogateCharactersValidator,
)

# Presentation a form may add to a derived field (a declared field with its own
# ``form_field`` may take more, such as the currency's ``first``).
_PRESENTATION = ("label", "help_text", "widget", "initial")


def declared_validators(field: drf.Field) -> list:
    """The validators the declaration names itself (not those implied by its arguments)."""
    return [v for v in field.validators if not isinstance(v, _BUILT_IN)]


def is_required(field: drf.Field) -> bool:
    """Required on a form: required by the declaration, and neither blank nor null allowed."""
    return bool(
        field.required and not getattr(field, "allow_blank", False) and not field.allow_null
    )


def _choices(field: drf.ChoiceField) -> list[tuple[Any, Any]]:
    return list(field.choices.items())


def form_field(
    field: drf.Field,
    *,
    required: bool | None = None,
    blank: bool | None = None,
    choices: Callable[[], list] | list | None = None,
    **presentation,
) -> forms.Field:
    """The form field for one declared field. ``required`` overrides the declaration's (a page
    may insist where the API does not); ``blank`` offers an empty choice first (by default when
    the field is optional); ``choices`` replaces a select's (a translated or narrowed list)."""
    if hasattr(field, "form_field"):
        if required is not None:
            presentation["required"] = required
        return field.form_field(**presentation)
    unknown = set(presentation) - set(_PRESENTATION)
    if unknown:
        raise TypeError(f"not presentation: {sorted(unknown)}")
    needed = is_required(field) if required is None else required
    common: dict[str, Any] = {
        "required": needed,
        "validators": declared_validators(field),
        **presentation,
    }
    result: forms.Field
    if isinstance(field, drf.BooleanField):
        default = None if field.default is drf.empty else field.default
        result = forms.BooleanField(
            **{"initial": default, **presentation, "required": bool(required)}
        )
    elif isinstance(field, drf.ListField) and isinstance(field.child, drf.ChoiceField):
        result = forms.MultipleChoiceField(
            choices=choices if choices is not None else _choices(field.child),
            **{"widget": forms.CheckboxSelectMultiple, **common},
        )
    elif isinstance(field, drf.ChoiceField) or (
        isinstance(field, drf.CharField) and choices is not None
    ):
        # A free-text field a page offers as a select (the service checks the value).
        offered: Any = choices if choices is not None else _choices(field)
        with_blank = (not needed) if blank is None else blank
        if with_blank and callable(offered):
            source = offered
            offered = lambda: [BLANK_CHOICE, *source()]  # noqa: E731
        elif with_blank:
            offered = [BLANK_CHOICE, *offered]
        result = forms.ChoiceField(choices=offered, **common)
    elif isinstance(field, drf.EmailField):
        if field.max_length is not None:
            common["max_length"] = field.max_length
        result = forms.EmailField(**common)
    elif isinstance(field, drf.CharField):
        result = forms.CharField(max_length=field.max_length, min_length=field.min_length, **common)
    elif isinstance(field, drf.DecimalField):
        result = forms.DecimalField(
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            min_value=field.min_value,
            max_value=field.max_value,
            **common,
        )
    elif isinstance(field, drf.DateField):
        result = forms.DateField(**common)
    elif isinstance(field, drf.IntegerField):
        result = forms.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    else:
        raise TypeError(f"no form field for {type(field).__name__}")
    return result


def input_form(
    declaration: type[serializers.Serializer],
    fields: Mapping[str, Mapping[str, Any]],
    *,
    base: type[forms.Form] = forms.Form,
    name: str | None = None,
) -> type[forms.Form]:
    """A form class with the declared ``fields`` (name -> presentation), in that order, after
    the fields ``base`` declares for presentation only."""
    declared = declaration().fields
    missing = [field for field in fields if field not in declared]
    if missing:
        raise KeyError(f"{declaration.__name__} declares no {missing}")
    attrs: dict[str, Any] = {
        field: form_field(declared[field], **dict(presentation))
        for field, presentation in fields.items()
    }
    attrs["__module__"] = base.__module__
    attrs["declaration"] = declaration
    return type(name or declaration.__name__.removesuffix("Serializer") + "Form", (base,), attrs)
