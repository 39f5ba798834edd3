"""Deal registration's state changes, each one function of the house shape.

Lock order: the opportunity, then its registration or exception request (the same order as the
opportunity and lead services: partner, opportunity, lead). A service that starts from a
registration locks its opportunity first.

States (Partner Center's): registration_pending -> approved | review_pending;
approved -> review_pending | closed; review_pending -> review_passed | review_failed |
action_required; action_required -> review_pending; review_passed, review_failed -> closed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cosell.core import audit, effects
from cosell.core.errors import InvalidTransition, PreconditionFailed, ValidationFailed
from cosell.webhooks import outbox
from opportunities.deals.choices import CustomerAccount
from opportunities.deals.models import Opportunity
from opportunities.leads.models import Lead

from . import eligibility, rules, tasks
from .models import MAX_MESSAGE_LENGTH, DealRegistration, ExceptionRequest

State = DealRegistration.State
FORM_FIELDS = (
    "marketplace_transaction",
    "marketplace_transaction_date",
    "deployed_on_azure",
    "perpetual",
    "total_contract_value",
    "solution_value",
    "contract_signed_date",
    "contract_start_date",
    "contract_end_date",
    "tenant_type",
    "pricing_model",
)
REQUIRED_FIELDS = (
    "total_contract_value",
    "solution_value",
    "contract_signed_date",
    "contract_start_date",
    "tenant_type",
    "pricing_model",
)
TRANSITIONS: dict[str, set[str]] = {
    State.REGISTRATION_PENDING: {State.APPROVED, State.REVIEW_PENDING},
    State.APPROVED: {State.REVIEW_PENDING, State.CLOSED},
    State.REVIEW_PENDING: {State.REVIEW_PASSED, State.REVIEW_FAILED, State.ACTION_REQUIRED},
    State.ACTION_REQUIRED: {State.REVIEW_PENDING},
    State.REVIEW_PASSED: {State.CLOSED},
    State.REVIEW_FAILED: {State.CLOSED},
    State.CLOSED: set(),
}
START_AT_MOST_DAYS_AGO = 90


def _lock_opportunity(opportunity_id: int) -> Opportunity:
    return Opportunity.objects.select_for_update().get(pk=opportunity_id)


def _lock_registration(registration_id: int) -> DealRegistration:
    """Lock the opportunity, then the registration (the documented order)."""
    opportunity_id = (
        DealRegistration.objects.filter(pk=registration_id)
        .values_list("opportunity_id", flat=True)
        .first()
    )
    if opportunity_id is None:
        raise DealRegistration.DoesNotExist
    _lock_opportunity(opportunity_id)
    return (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("opportunity", "opportunity__partner")
        .get(pk=registration_id)
    )


def _move(registration: DealRegistration, to: str, *, actor, now, job="", reason="", verb=None):
    frm = registration.state
    if to not in TRANSITIONS[frm]:
        raise InvalidTransition(
            registration,
            to=to,
            message=_("A registration that is “%(current)s” cannot become “%(to)s”.")
            % {"current": State(frm).label, "to": State(to).label},
        )
    registration.state = to
    if to == State.REVIEW_PENDING:
        registration.review_requested_at = now
        registration.reviewers_reminded_at = None
    audit.record(
        registration, verb or to, frm=frm, to=to, actor=actor, job=job, reason=reason, at=now
    )


def _payload(registration: DealRegistration) -> dict:
    return {
        "id": registration.pk,
        "opportunity_id": registration.opportunity_id,
        "state": registration.state,
        "total_contract_value": str(registration.total_contract_value),
        "solution_value": str(registration.solution_value),
        "currency": registration.currency,
        "annual_value_usd": str(registration.annual_value_usd),
        "contract_signed_date": registration.contract_signed_date.isoformat(),
        "review_reasons": list(registration.review_reasons),
        "reviewer_message": registration.reviewer_message,
        "version": registration.version,
    }


def _emit(event_type: str, registration: DealRegistration, now: datetime) -> None:
    outbox.emit(
        event_type=event_type,
        subject=registration,
        recipients={registration.opportunity.partner_id: _payload(registration)},
        at=now,
    )


def _save(registration: DealRegistration, now: datetime, fields: list[str]) -> None:
    registration.version += 1
    registration.updated_at = now
    registration.save(update_fields=[*fields, "version", "updated_at"])


def _require_partner(actor, opportunity: Opportunity) -> None:
    if not rules.can_register(actor, opportunity):
        raise PermissionDenied(_("Only the partner that owns this deal registers it."))


def _require_reviewer(actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied(
            _("Only Microsoft's reviewers (the portal's administrators) do this.")
        )


def _message(text: str, field: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed({field: [_("This field is required.")]})
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed(
            {field: [_("At most %(max)s characters.") % {"max": MAX_MESSAGE_LENGTH}]}
        )
    return text


def microsoft_invited_on(opportunity: Opportunity) -> date | None:
    sent = (
        opportunity.leads.filter(receiver=Lead.Receiver.MICROSOFT)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return sent.date() if sent else None


def validate_form(opportunity: Opportunity, fields: dict, *, today: date) -> dict[str, list[str]]:
    """Partner Center's rules for the registration form, field by field."""
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in REQUIRED_FIELDS:
        if fields.get(field) in (None, ""):
            error(field, _("This field is required."))
    total, solution = fields.get("total_contract_value"), fields.get("solution_value")
    if total is not None and Decimal(total) <= 0:
        error("total_contract_value", _("Enter a value above zero."))
    if solution is not None and Decimal(solution) < 0:
        error("solution_value", _("Enter zero or more."))
    if total is not None and solution is not None and Decimal(solution) > Decimal(total):
        error("solution_value", _("The solution value is at most the total contract value."))
    signed = fields.get("contract_signed_date")
    if signed is not None:
        window = settings.REGISTRATION_WINDOW_DAYS
        if signed > today:
            error("contract_signed_date", _("The signing date cannot be in the future."))
        elif (today - signed).days > window:
            error(
                "contract_signed_date",
                _("Deals are registered within %(days)s days of the contract's signing.")
                % {"days": window},
            )
        if signed < opportunity.created_at.date():
            error(
                "contract_signed_date",
                _("The contract cannot be signed before the deal was created (%(date)s).")
                % {"date": opportunity.created_at.date().isoformat()},
            )
        invited = microsoft_invited_on(opportunity)
        if invited is not None and signed < invited:
            error(
                "contract_signed_date",
                _("The contract cannot be signed before Microsoft was invited (%(date)s).")
                % {"date": invited.isoformat()},
            )
    start = fields.get("contract_start_date")
    if start is not None and (today - start).days > START_AT_MOST_DAYS_AGO:
        error(
            "contract_start_date",
            _("The contract started at most %(days)s days ago.") % {"days": START_AT_MOST_DAYS_AGO},
        )
    end = fields.get("contract_end_date")
    if fields.get("perpetual"):
        if end is not None:
            error("contract_end_date", _("A perpetual contract has no end date."))
    elif end is None:
        error("contract_end_date", _("This field is required unless the contract is perpetual."))
    elif start is not None and end < start:
        error("contract_end_date", _("The contract ends after it starts."))
    if fields.get("marketplace_transaction"):
        if fields.get("marketplace_transaction_date") is None:
            error(
                "marketplace_transaction_date",
                _("Give the (estimated) date of the marketplace transaction."),
            )
    elif fields.get("marketplace_transaction_date") is not None:
        error(
            "marketplace_transaction_date",
            _("Only a marketplace transaction has a transaction date."),
        )
    for field, choices in (
        ("tenant_type", DealRegistration.TenantType.values),
        ("pricing_model", DealRegistration.PricingModel.values),
    ):
        if fields.get(field) and fields[field] not in choices:
            error(field, _("Choose one of: %s.") % ", ".join(choices))
    return errors


def _annual_usd(opportunity: Opportunity, fields: dict) -> Decimal | None:
    annual = eligibility.annual_value(
        total=fields["total_contract_value"],
        perpetual=bool(fields.get("perpetual")),
        start=fields.get("contract_start_date"),
        end=fields.get("contract_end_date"),
    )
    return eligibility.to_usd(annual, opportunity.currency, fields["contract_signed_date"])


def review_reasons(opportunity: Opportunity, registration: DealRegistration) -> list[str]:
    """Why Microsoft reviews the registration by hand; none: approved at once."""
    reasons = []
    if registration.annual_value_usd > Decimal(settings.REGISTRATION_REVIEW_ABOVE_USD):
        reasons.append("annual_value_above_limit")
    partners = opportunity.leads.filter(
        receiver=Lead.Receiver.PARTNER, status=Lead.Status.ACCEPTED
    ).exists()
    if partners:
        reasons.append("several_partners")
    if registration.pricing_model == DealRegistration.PricingModel.PAY_AS_YOU_GO:
        reasons.append("pay_as_you_go")
    exception = getattr(opportunity, "registration_exception", None)
    if exception is not None and exception.state == ExceptionRequest.State.GRANTED:
        reasons.append("exception")
    return reasons


def _check(opportunity: Opportunity, fields: dict, *, now: datetime) -> Decimal:
    """Validate the form and the deal's eligibility; return the annual value in USD."""
    errors = validate_form(opportunity, fields, today=now.date())
    if errors:
        raise ValidationFailed(errors)
    annual = _annual_usd(opportunity, fields)
    if annual is None:
        raise ValidationFailed(
            {
                "total_contract_value": [
                    _("There is no exchange rate for %(currency)s: an administrator adds one.")
                    % {"currency": opportunity.currency}
                ]
            }
        )
    minimum = Decimal(settings.REGISTRATION_MIN_VALUE_USD)
    if fields.get("perpetual") and annual < minimum:
        raise ValidationFailed(
            {
                "total_contract_value": [
                    _(
                        "A perpetual contract counts over 6 years: its annual value "
                        "(%(annual)s) must be at least %(minimum)s."
                    )
                    % {"annual": eligibility.money(annual), "minimum": eligibility.money(minimum)}
                ]
            }
        )
    rules_ = eligibility.checklist(opportunity, now=now, signed=fields["contract_signed_date"])
    unmet = eligibility.unmet(rules_)
    exception = getattr(opportunity, "registration_exception", None)
    granted = exception is not None and exception.state == ExceptionRequest.State.GRANTED
    if granted:
        unmet = [code for code in unmet if code == "won"]
    if unmet:
        raise InvalidTransition(
            opportunity,
            to="registered",
            message=_("This deal cannot be registered: %(rules)s")
            % {"rules": " ".join(rule.sentence for rule in rules_ if rule.code in unmet)},
            unmet=unmet,
        )
    return annual


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(FORM_FIELDS)
    if unknown:
        raise ValidationFailed({field: [_("This field cannot be set here.")] for field in unknown})
    return fields


def registration_create(*, opportunity_id: int, actor, now: datetime, **fields) -> DealRegistration:
    """Register a won deal with Partner Center's form. It starts `registration_pending` and is
    decided at once: approved, or `review_pending` when the annual value is above the limit,
    several partners are on the deal or the pricing is pay-as-you-go. Registering a deal
    twice is refused (409)."""
    fields = _clean_fields(dict(fields))
    with transaction.atomic():
        opportunity = _lock_opportunity(opportunity_id)
        _require_partner(actor, opportunity)
        existing = DealRegistration.objects.filter(opportunity=opportunity).first()
        if existing is not None:
            raise InvalidTransition(
                existing,
                to="registered",
                message=_("This deal is registered already (%(state)s).")
                % {"state": existing.get_state_display()},
            )
        merged = {field: fields.get(field) for field in FORM_FIELDS}
        for flag in ("marketplace_transaction", "deployed_on_azure", "perpetual"):
            merged[flag] = bool(merged[flag])
        annual = _check(opportunity, merged, now=now)
        registration = DealRegistration(
            opportunity=opportunity,
            currency=opportunity.currency,
            annual_value_usd=annual,
            registered_by=actor,
            created_at=now,
            updated_at=now,
            **merged,
        )
        registration.full_clean(exclude=["opportunity", "registered_by"])
        registration.save()
        audit.record(registration, "created", to=State.REGISTRATION_PENDING, actor=actor, at=now)
        registration.review_reasons = review_reasons(opportunity, registration)
        if registration.review_reasons:
            _move(
                registration,
                State.REVIEW_PENDING,
                actor=actor,
                now=now,
                verb="review_requested",
                reason=", ".join(registration.review_reasons),
            )
        else:
            _move(registration, State.APPROVED, actor=actor, now=now, verb="approved")
        registration.save(
            update_fields=[
                "state",
                "review_reasons",
                "review_requested_at",
                "reviewers_reminded_at",
            ]
        )
        _emit("deal_registration.created", registration, now)
        if registration.state == State.REVIEW_PENDING:
            _after_commit(tasks.notify_reviewers, registration.pk)
    return registration


def _after_commit(task, *args) -> None:
    """Recorded with the change (``cosell.core.effects``): never lost, never raised after commit."""
    effects.queue(task, *args)


def registration_update(
    *,
    registration_id: int,
    actor,
    now: datetime,
    expected_version: int | None = None,
    **fields,
) -> DealRegistration:
    """Correct an approved registration's form. The deal is decided again: a change that needs
    review sends it to `review_pending`. Other states are answered by the reviewers' moves."""
    fields = _clean_fields(dict(fields))
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        opportunity = registration.opportunity
        _require_partner(actor, opportunity)
        if expected_version is not None and expected_version != registration.version:
            raise PreconditionFailed(
                _("The registration changed since you read it; reload and try again."),
                current_version=registration.version,
            )
        if registration.state != State.APPROVED:
            raise InvalidTransition(
                registration,
                to="updated",
                message=_(
                    "Only an approved registration can be corrected; this one is “%(state)s”."
                )
                % {"state": registration.get_state_display()},
            )
        changed = _apply_form(registration, opportunity, fields, now=now)
        if not changed:
            return registration
        audit.record(registration, "updated", actor=actor, at=now, extra={"changed": changed})
        registration.review_reasons = review_reasons(opportunity, registration)
        update = [*changed, "annual_value_usd", "review_reasons"]
        if registration.review_reasons:
            _move(
                registration,
                State.REVIEW_PENDING,
                actor=actor,
                now=now,
                verb="review_requested",
                reason=", ".join(registration.review_reasons),
            )
            update += ["state", "review_requested_at", "reviewers_reminded_at"]
            _after_commit(tasks.notify_reviewers, registration.pk)
        _save(registration, now, update)
        _emit("deal_registration.updated", registration, now)
    return registration


def _apply_form(registration, opportunity, fields: dict, *, now: datetime) -> list[str]:
    merged = {field: getattr(registration, field) for field in FORM_FIELDS}
    merged.update(fields)
    annual = _check(opportunity, merged, now=now)
    changed = [f for f in fields if getattr(registration, f) != fields[f]]
    for field in changed:
        setattr(registration, field, fields[field])
    registration.annual_value_usd = annual
    return changed


def _review(registration_id: int, to: str, *, actor, now: datetime, message: str, verb: str):
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        _require_reviewer(actor)
        if registration.state == to and registration.reviewer_message == message:
            return registration
        _move(registration, to, actor=actor, now=now, verb=verb, reason=message)
        registration.reviewer_message = message
        _save(registration, now, ["state", "reviewer_message"])
        _emit("deal_registration.updated", registration, now)
        _after_commit(tasks.notify_partner, registration.pk, to)
    return registration


def registration_pass(*, registration_id: int, actor, now: datetime, message: str = ""):
    """A reviewer passes a registration waiting for review."""
    message = _message(message, "message", required=False)
    return _review(
        registration_id,
        State.REVIEW_PASSED,
        actor=actor,
        now=now,
        message=message,
        verb="review_passed",
    )


def registration_fail(*, registration_id: int, actor, now: datetime, message: str):
    """A reviewer fails a registration waiting for review; the partner is told why."""
    message = _message(message, "message", required=True)
    return _review(
        registration_id,
        State.REVIEW_FAILED,
        actor=actor,
        now=now,
        message=message,
        verb="review_failed",
    )


def registration_request_action(*, registration_id: int, actor, now: datetime, message: str):
    """A reviewer asks the partner for something (a document, a correction) before deciding."""
    message = _message(message, "message", required=True)
    return _review(
        registration_id,
        State.ACTION_REQUIRED,
        actor=actor,
        now=now,
        message=message,
        verb="action_requested",
    )


def registration_resubmit(
    *, registration_id: int, actor, now: datetime, answer: str, **fields
) -> DealRegistration:
    """The partner answers a request for action (and may correct the form): back to review."""
    answer = _message(answer, "answer", required=True)
    fields = _clean_fields(dict(fields))
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        opportunity = registration.opportunity
        _require_partner(actor, opportunity)
        if registration.state == State.REVIEW_PENDING and registration.partner_answer == answer:
            return registration
        if registration.state != State.ACTION_REQUIRED:
            raise InvalidTransition(
                registration,
                to=State.REVIEW_PENDING,
                message=_("Nobody asked for action on this registration; it is “%(state)s”.")
                % {"state": registration.get_state_display()},
            )
        changed = _apply_form(registration, opportunity, fields, now=now)
        registration.partner_answer = answer
        _move(
            registration,
            State.REVIEW_PENDING,
            actor=actor,
            now=now,
            verb="resubmitted",
            reason=answer,
        )
        _save(
            registration,
            now,
            [
                *changed,
                "annual_value_usd",
                "partner_answer",
                "state",
                "review_requested_at",
                "reviewers_reminded_at",
            ],
        )
        _emit("deal_registration.updated", registration, now)
        _after_commit(tasks.notify_reviewers, registration.pk)
    return registration


def registration_close(*, registration_id: int, actor, now: datetime) -> DealRegistration:
    """Close an approved or reviewed registration (the partner or a reviewer)."""
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        if not (actor.is_staff or rules.can_register(actor, registration.opportunity)):
            raise PermissionDenied(_("Only the partner or the reviewers close a registration."))
        if registration.state == State.CLOSED:
            return registration
        _move(registration, State.CLOSED, actor=actor, now=now, verb="closed")
        _save(registration, now, ["state"])
        _emit("deal_registration.updated", registration, now)
    return registration


def exception_request_create(*, opportunity_id: int, actor, now: datetime, reason: str):
    """Ask Microsoft to register a deal the rules leave out: one request per deal, within the
    registration window, at most 5,000 characters."""
    reason = _message(reason, "reason", required=True)
    with transaction.atomic():
        opportunity = _lock_opportunity(opportunity_id)
        _require_partner(actor, opportunity)
        existing = ExceptionRequest.objects.filter(opportunity=opportunity).first()
        if existing is not None:
            if existing.reason == reason:
                return existing
            raise InvalidTransition(
                existing,
                to="requested",
                message=_("This deal has an exception request already (%(state)s).")
                % {"state": existing.get_state_display()},
            )
        if opportunity.status != Opportunity.Status.WON:
            raise InvalidTransition(
                opportunity, to="requested", message=_("Only a won deal can be registered.")
            )
        closes = eligibility.window_closes(opportunity)
        if closes is None or now.date() > closes:
            raise InvalidTransition(
                opportunity,
                to="requested",
                message=_("The registration window of this deal closed on %(date)s.")
                % {"date": closes.isoformat() if closes else "-"},
            )
        request = ExceptionRequest.objects.create(
            opportunity=opportunity, reason=reason, requested_by=actor, created_at=now
        )
        audit.record(request, "created", to=request.state, actor=actor, at=now)
        _after_commit(tasks.notify_reviewers_of_exception, request.pk)
    return request


def exception_request_answer(
    *, exception_id: int, actor, now: datetime, grant: bool, message: str = ""
) -> ExceptionRequest:
    """A reviewer grants or denies an exception request. Granted: the deal may be registered
    despite the rules it misses (it still goes through manual review)."""
    message = _message(message, "message", required=not grant)
    to = ExceptionRequest.State.GRANTED if grant else ExceptionRequest.State.DENIED
    with transaction.atomic():
        opportunity_id = (
            ExceptionRequest.objects.filter(pk=exception_id)
            .values_list("opportunity_id", flat=True)
            .first()
        )
        if opportunity_id is None:
            raise ExceptionRequest.DoesNotExist
        _lock_opportunity(opportunity_id)
        request = ExceptionRequest.objects.select_for_update().get(pk=exception_id)
        _require_reviewer(actor)
        if request.state == to:
            return request
        if request.state != ExceptionRequest.State.PENDING:
            raise InvalidTransition(request, to=to)
        frm = request.state
        request.state, request.reviewer_message, request.answered_at = to, message, now
        request.save(update_fields=["state", "reviewer_message", "answered_at"])
        audit.record(request, to, frm=frm, to=to, actor=actor, reason=message, at=now)
        _after_commit(tasks.notify_partner_of_exception, request.pk)
    return request


def _check_opportunity_version(opportunity: Opportunity, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != opportunity.version:
        raise PreconditionFailed(
            _("The opportunity changed since you read it; reload and try again."),
            current_version=opportunity.version,
        )


def customer_account_set(
    *,
    opportunity_id: int,
    actor,
    now: datetime,
    customer_account: str,
    expected_version: int | None = None,
):
    """The partner says whether the customer is a Microsoft-managed account; a change clears a
    seller's confirmation."""
    if customer_account not in CustomerAccount.values:
        raise ValidationFailed(
            {"customer_account": [_("Choose one of: %s.") % ", ".join(CustomerAccount.values)]}
        )
    with transaction.atomic():
        opportunity = _lock_opportunity(opportunity_id)
        _require_partner(actor, opportunity)
        _check_opportunity_version(opportunity, expected_version)
        if opportunity.customer_account == customer_account:
            return opportunity
        frm = opportunity.customer_account
        opportunity.customer_account = customer_account
        opportunity.customer_account_confirmed_by = None
        opportunity.customer_account_confirmed_at = None
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(
            update_fields=[
                "customer_account",
                "customer_account_confirmed_by",
                "customer_account_confirmed_at",
                "version",
                "updated_at",
            ]
        )
        audit.record(
            opportunity, "customer_account_set", frm=frm, to=customer_account, actor=actor, at=now
        )
    return opportunity


def customer_account_confirm(
    *, opportunity_id: int, actor, now: datetime, expected_version: int | None = None
) -> Opportunity:
    """A Microsoft seller on the deal (or a reviewer) confirms the partner's statement."""
    with transaction.atomic():
        opportunity = _lock_opportunity(opportunity_id)
        if not rules.can_confirm_customer_account(actor, opportunity):
            raise PermissionDenied(_("Only a Microsoft seller on this deal confirms this."))
        _check_opportunity_version(opportunity, expected_version)
        if not opportunity.customer_account:
            raise InvalidTransition(
                opportunity,
                to="confirmed",
                message=_("The partner has not said what kind of account the customer is."),
            )
        if opportunity.customer_account_confirmed_at is not None:
            return opportunity
        opportunity.customer_account_confirmed_by = actor
        opportunity.customer_account_confirmed_at = now
        opportunity.version += 1
        opportunity.updated_at = now
        opportunity.save(
            update_fields=[
                "customer_account_confirmed_by",
                "customer_account_confirmed_at",
                "version",
                "updated_at",
            ]
        )
        audit.record(
            opportunity,
            "customer_account_confirmed",
            to=opportunity.customer_account,
            actor=actor,
            at=now,
        )
    return opportunity


def working_days_between(start: datetime, end: datetime) -> int:
    """Monday-to-Friday days after ``start``'s day up to and including ``end``'s day."""
    days, day = 0, start.date()
    while day < end.date():
        day += timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days
