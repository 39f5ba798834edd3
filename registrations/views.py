"""Deal registration in the browser: the checklist and form on a won deal, the partner's list of
registrations, and the reviewers' queue. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import audit, clock
from cosell.core.errors import DomainError
from cosell.core.form_views import errors_onto
from opportunities.deals import selectors as opportunity_selectors

from . import eligibility, rules, selectors, services
from .forms import CustomerAccountForm, ExceptionForm, RegistrationForm, ResubmitForm, ReviewForm
from .models import DealRegistration, ExceptionRequest


def _page(request, opportunity, *, form=None, exception_form=None, account_form=None, status=200):
    now = clock.now()
    rules_ = eligibility.checklist(opportunity, now=now)
    registration = DealRegistration.objects.filter(opportunity=opportunity).first()
    exception = ExceptionRequest.objects.filter(opportunity=opportunity).first()
    granted = exception is not None and exception.state == ExceptionRequest.State.GRANTED
    eligible = not eligibility.unmet(rules_)
    can_register = rules.can_register(request.user, opportunity)
    closes = eligibility.window_closes(opportunity)
    context = {
        "opportunity": opportunity,
        "checklist": rules_,
        "eligible": eligible,
        "registration": registration,
        "exception": exception,
        "can_register": can_register,
        "show_form": can_register
        and registration is None
        and (eligible or granted)
        and opportunity.status == "won",
        "can_ask_exception": can_register
        and registration is None
        and exception is None
        and not eligible
        and opportunity.status == "won"
        and closes is not None
        and now.date() <= closes,
        "form": form
        or RegistrationForm(
            initial={"contract_signed_date": eligibility.signing_date(opportunity)}
        ),
        "exception_form": exception_form or ExceptionForm(),
        "account_form": account_form
        or CustomerAccountForm(initial={"customer_account": opportunity.customer_account}),
        "resubmit_form": ResubmitForm(),
        "history": audit.history(registration)[:30] if registration else [],
    }
    return render(
        request,
        "registrations/register.html",
        context,
        status=status if status != 200 else (400 if form is not None and form.errors else 200),
    )


@login_required
def register(request, pk: int):
    """A deal's checklist first, then Partner Center's form (or the registration's state)."""
    opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
    if request.method != "POST":
        return _page(request, opportunity)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        try:
            services.registration_create(
                opportunity_id=opportunity.pk,
                actor=request.user,
                now=clock.now(),
                **form.cleaned_data,
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Deal registered."))
            return redirect("registrations:register", opportunity.pk)
    return _page(request, opportunity, form=form, status=400)


@login_required
@require_POST
def exception_request(request, pk: int):
    opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.exception_request_create(
                opportunity_id=opportunity.pk,
                actor=request.user,
                now=clock.now(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Exception requested: the reviewers will answer."))
            return redirect("registrations:register", opportunity.pk)
    return _page(request, opportunity, exception_form=form, status=400)


@login_required
@require_POST
def customer_account(request, pk: int):
    opportunity = selectors.opportunity_for_registration(user=request.user, opportunity_id=pk)
    form = CustomerAccountForm(request.POST)
    if form.is_valid():
        try:
            services.customer_account_set(
                opportunity_id=opportunity.pk,
                actor=request.user,
                now=clock.now(),
                customer_account=form.cleaned_data["customer_account"],
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Customer account saved."))
            return redirect("registrations:register", opportunity.pk)
    return _page(request, opportunity, account_form=form, status=400)


@login_required
@require_POST
def customer_account_confirm(request, pk: int):
    """A Microsoft seller on the deal confirms the customer is Microsoft-managed."""
    opportunity = opportunity_selectors.opportunity_get(user=request.user, opportunity_id=pk)
    try:
        services.customer_account_confirm(
            opportunity_id=opportunity.pk, actor=request.user, now=clock.now()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Customer account confirmed."))
    return redirect("opportunities:opportunity_detail", opportunity.pk)


def _registration_for_partner(request, pk: int) -> DealRegistration:
    registration = selectors.registration_get(user=request.user, registration_id=pk)
    if not rules.can_register(request.user, registration.opportunity):
        raise PermissionDenied
    return registration


@login_required
@require_POST
def resubmit(request, pk: int):
    registration = _registration_for_partner(request, pk)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            services.registration_resubmit(
                registration_id=registration.pk,
                actor=request.user,
                now=clock.now(),
                answer=form.cleaned_data["answer"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Sent back to the reviewers."))
    else:
        messages.error(request, _("Write your answer to the reviewers."))
    return redirect("registrations:register", registration.opportunity_id)


@login_required
@require_POST
def close(request, pk: int):
    registration = selectors.registration_get(user=request.user, registration_id=pk)
    try:
        services.registration_close(
            registration_id=registration.pk, actor=request.user, now=clock.now()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Registration closed."))
    if request.user.is_staff:
        return redirect("registrations:review_queue")
    return redirect("registrations:register", registration.opportunity_id)


@login_required
def registration_list(request):
    """A partner's registrations (or, for staff, everyone's), filtered by state."""
    if request.user.partner is None and not request.user.is_staff:
        raise PermissionDenied
    state = request.GET.get("state", "")
    if state not in DealRegistration.State.values:
        state = ""
    registrations = selectors.registration_list(user=request.user, state=state)[:200]
    return render(
        request,
        "registrations/list.html",
        {"registrations": registrations, "state": state, "states": DealRegistration.State.choices},
    )


def _require_reviewer(request) -> None:
    if not request.user.is_staff:
        raise Http404


@login_required
def review_queue(request):
    _require_reviewer(request)
    now = clock.now()
    registrations = list(selectors.review_queue())
    for registration in registrations:
        registration.waiting_days = services.working_days_between(
            registration.review_requested_at or registration.created_at, now
        )
    return render(
        request,
        "registrations/review_queue.html",
        {
            "registrations": registrations,
            "exceptions": selectors.exception_queue(),
            "form": ReviewForm(),
            "limit": services.settings.REGISTRATION_REVIEW_REMIND_WORKING_DAYS,
        },
    )


REVIEW_ACTIONS = {
    "pass": services.registration_pass,
    "fail": services.registration_fail,
    "request_action": services.registration_request_action,
}


@login_required
@require_POST
def review_action(request, pk: int, action: str):
    _require_reviewer(request)
    service = REVIEW_ACTIONS.get(action)
    if service is None:
        raise Http404
    registration = selectors.registration_get(user=request.user, registration_id=pk)
    form = ReviewForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        service(
            registration_id=registration.pk, actor=request.user, now=clock.now(), message=message
        )
    except DomainError as exc:
        messages.error(request, f"{registration.opportunity.name}: {exc.message}")
    else:
        messages.success(request, _("Done: %(name)s.") % {"name": registration.opportunity.name})
    return redirect("registrations:review_queue")


@login_required
@require_POST
def exception_answer(request, pk: int, decision: str):
    _require_reviewer(request)
    if decision not in ("grant", "deny"):
        raise Http404
    exception = selectors.exception_get(user=request.user, exception_id=pk)
    form = ReviewForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        services.exception_request_answer(
            exception_id=exception.pk,
            actor=request.user,
            now=clock.now(),
            grant=decision == "grant",
            message=message,
        )
    except DomainError as exc:
        messages.error(request, f"{exception.opportunity.name}: {exc.message}")
    else:
        messages.success(request, _("Done: %(name)s.") % {"name": exception.opportunity.name})
    return redirect("registrations:review_queue")


def home_registrations(request, partner=None, seller=None) -> str:
    """Home panel for partners: registrations the reviewers need an answer on, and won deals
    whose registration window is open."""
    if partner is None:
        return ""
    user = request.user
    needing = list(selectors.needing_action(user=user)[:5])
    unregistered = list(
        opportunity_selectors.opportunity_list(user=user)
        .filter(partner=partner, status="won", registration__isnull=True)
        .order_by("-closed_at")[:20]
    )
    now = clock.now()
    open_window = []
    for opportunity in unregistered:
        closes = eligibility.window_closes(opportunity)
        if closes is not None and now.date() <= closes:
            open_window.append((opportunity, closes))
    counts = selectors.registered_value_by_state(partner_id=partner.pk)
    if not (needing or open_window or counts):
        return ""
    labels = dict(DealRegistration.State.choices)
    return render_to_string(
        "registrations/_home.html",
        {
            "needing": needing,
            "open_window": open_window[:5],
            "counts": [{**row, "label": labels.get(row["state"], row["state"])} for row in counts],
        },
        request=request,
    )
