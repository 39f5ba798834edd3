"""Form pages, written once: a service's refusal shown on its form, a valid POST run once.

Every page that runs a service from a form goes through ``submit``: the service is called
once, whatever answers next (a redirect, a page, an htmx fragment), and what it refuses comes
back onto the form by ``errors_onto`` (a ``ValidationFailed`` on its fields, any other refusal
above the form). ``form_view`` is the whole page for the common case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render

from cosell.core.errors import DomainError, ValidationFailed


def errors_onto(form, exc: DomainError) -> None:
    """A service's refusal on ``form``: each field's errors on that field (or above the form
    when the form has no such field), any other refusal above the form."""
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc.message)


@dataclass(frozen=True)
class Submission:
    done: bool
    result: Any = None


def submit(
    request,
    form,
    action: Callable[[dict], Any],
    *,
    refusals: type[DomainError] = DomainError,
) -> Submission:
    """For a valid POST, ``action(form.cleaned_data)`` once; ``refusals`` it raises go onto the
    form (others propagate to the error pages). ``.done`` says whether it ran through."""
    if request.method != "POST" or not form.is_valid():
        return Submission(False)
    try:
        result = action(form.cleaned_data)
    except refusals as exc:
        errors_onto(form, exc)
        return Submission(False)
    return Submission(True, result)


def form_page(
    request,
    form,
    *,
    title,
    submit,
    cancel_url,
    intro="",
    status=200,
    template="opportunities/form.html",
    **extra,
):
    """The form on its page: 400 when it carries errors."""
    return render(
        request,
        template,
        {
            "form": form,
            "title": title,
            "submit": submit,
            "cancel_url": cancel_url,
            "intro": intro,
            **extra,
        },
        status=status if status != 200 else (400 if form.errors else 200),
    )


def form_view(request, form, action, *, success, redirect_to, **page):
    """Run ``action(cleaned_data)`` for a valid POST, then say ``success`` and redirect;
    otherwise (a GET, invalid input, a refusal) the form on its page."""
    if submit(request, form, action).done:
        messages.success(request, success)
        return redirect(*redirect_to)
    return form_page(request, form, **page)
