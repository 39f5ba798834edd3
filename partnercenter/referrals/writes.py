"""Referral writes. Every change runs the portal's own services (the same rules, audit events,
webhooks and mail as the browser); the services of one request run in one transaction, so a
JSON Patch applies whole or not at all (RFC 6902). The deal is locked first (the portal's lock
order: opportunity, then leads and registrations), and If-Match is compared under that lock."""

import re
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from cosell.core.errors import Conflict, InvalidTransition, PreconditionFailed, ValidationFailed
from cosell.partners.models import Partner, User
from opportunities.deals import services as deal_services
from opportunities.deals.choices import SHORT_NOTES_MAX_LENGTH, Category, LostReason
from opportunities.deals.models import Opportunity
from opportunities.leads import services as lead_services
from opportunities.leads.models import Lead
from opportunities.rules import require_owner_side
from registrations import services as registration_services
from registrations.models import DealRegistration

from . import inputs, mapping, selectors
from .inputs import invalid
from .patch import Plan
from .selectors import LEAD, OPPORTUNITY

LOST_NUMBERS = {str(n): code for n, code in enumerate(LostReason.values, start=1)}


def as_referral_errors(function):
    """Service errors name the portal's fields; the Referrals API names the Referral's paths."""

    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValidationFailed as exc:
            raise ValidationFailed(inputs.referral_errors(exc.errors), **exc.extra) from None
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
            raise ValidationFailed(inputs.referral_errors(errors)) from None

    return wrapper


def lost_reason(text: str) -> str:
    """Partner Center's reason (its number, the portal's code or its label) as the portal's code;
    anything else is "other" (the text is kept as the notes)."""
    text = (text or "").strip()
    if text in LOST_NUMBERS:
        return LOST_NUMBERS[text]
    for code, label in LostReason.choices:
        if text.casefold() in (code, str(label).casefold()):
            return code
    return LostReason.OTHER


def _if_match(header: str, current: str) -> None:
    header = (header or "").strip()
    if not header or header == "*":
        return
    tags = [tag.strip().removeprefix("W/").strip() for tag in header.split(",")]
    if current not in tags and current.strip('"') not in tags:
        raise PreconditionFailed(
            _("The referral changed since you read it; read it again and retry."),
            current_etag=current,
        )


def _lock_and_read(*, user, partner_id: int, referral: str):
    kind, row = selectors.referral_get(user=user, partner_id=partner_id, referral=referral)
    deal_id = row.pk if kind == OPPORTUNITY else row.opportunity_id
    if deal_id is not None:
        list(Opportunity.objects.select_for_update().filter(pk=deal_id).values("pk"))
    return selectors.referral_get(user=user, partner_id=partner_id, referral=referral)


def _own_deal(kind: str, row, user) -> Opportunity | None:
    return row if kind == OPPORTUNITY else mapping.own_deal_of_lead(row, user)


def _not_yours(kind: str, row, user, partner_id: int):
    if kind == LEAD and row.receiver_partner_id != partner_id:
        return PermissionDenied(
            _("This is the other party's referral of the engagement: change your own.")
        )
    if kind == LEAD and (row.opportunity_id is None or row.status != Lead.Status.ACCEPTED):
        return InvalidTransition(row, to="updated", message=_("Accept the referral first."))
    require_owner_side(user, row.opportunity)
    return PermissionDenied()


@as_referral_errors
def patch_referral(*, user, partner_id: int, referral: str, plan: Plan | None, if_match, now):
    with transaction.atomic():
        kind, row = _lock_and_read(user=user, partner_id=partner_id, referral=referral)
        _if_match(if_match, mapping.etag(kind, row, user))
        if plan is None:
            return
        deal = _own_deal(kind, row, user)
        if plan.touches_deal:
            if deal is None:
                raise _not_yours(kind, row, user, partner_id)
            _change_deal(plan, deal, user=user, partner_id=partner_id, now=now)
        if plan.status:
            _move(plan.status, kind, row, deal, user=user, partner_id=partner_id, now=now)


def _solution_inputs(deal: Opportunity) -> list[dict]:
    return [
        {"offer_id": s.offer_id} if s.offer_id else {"kind": s.kind, "name": s.name}
        for s in deal.solutions.all()
    ]


def _change_deal(plan: Plan, deal: Opportunity, *, user, partner_id: int, now: datetime) -> None:
    deal = Opportunity.objects.get(pk=deal.pk)
    if plan.append_contact and deal.contact_name:
        raise invalid(
            "/customerProfile/team/-",
            _("The portal keeps one customer contact: replace /customerProfile/team."),
        )
    solutions = plan.solutions
    if solutions is not None and plan.append_solutions:
        solutions = _solution_inputs(deal) + solutions
    if plan.changes or solutions is not None:
        deal_services.opportunity_update(
            opportunity_id=deal.pk, actor=user, now=now, solutions=solutions, **plan.changes
        )
    if plan.stage:
        deal_services.opportunity_set_stage(
            opportunity_id=deal.pk, stage=plan.stage, actor=user, now=now
        )
    for email in plan.team:
        member = User.objects.filter(
            email__iexact=email, membership__partner_id=partner_id, is_active=True
        ).first()
        if member is None:
            raise invalid(
                "/team", _("No member of your partner has the email %(email)s.") % {"email": email}
            )
        deal_services.opportunity_team_add(opportunity_id=deal.pk, user=member, actor=user, now=now)
    if plan.unshare and deal.category != Category.PRIVATE:
        raise Conflict(_("A shared referral stays shared."))
    if plan.share_with_microsoft and deal.category == Category.PRIVATE:
        deal_services.opportunity_upgrade(
            opportunity_id=deal.pk, category=Category.MICROSOFT, actor=user, now=now
        )
    if plan.register is not None:
        fields = dict(plan.register)
        _same_currency(fields.pop("currency", None), deal)
        registration_services.registration_create(
            opportunity_id=deal.pk, actor=user, now=now, **fields
        )
    if plan.registration_changes:
        fields = dict(plan.registration_changes)
        _same_currency(fields.pop("currency", None), deal)
        registration = DealRegistration.objects.filter(opportunity_id=deal.pk).first()
        if registration is None:
            raise InvalidTransition(
                deal, to="updated", message=_("Register the deal first (add /registrations/-).")
            )
        registration_services.registration_update(
            registration_id=registration.pk, actor=user, now=now, **fields
        )


def _same_currency(currency, deal: Opportunity) -> None:
    if currency not in (None, "", deal.currency):
        raise invalid(
            "registrations/contract/currency",
            _("A registration is in the deal's currency, %(currency)s.")
            % {"currency": deal.currency},
        )


def _move(status, kind: str, row, deal, *, user, partner_id: int, now: datetime) -> None:
    """Partner Center's status moves as the portal's own transitions."""
    target_status, target_sub, reason = status
    if len(reason) > SHORT_NOTES_MAX_LENGTH:
        raise invalid(
            "statusReason", _("At most %(max)s characters.") % {"max": SHORT_NOTES_MAX_LENGTH}
        )
    if kind == OPPORTUNITY:
        current = mapping.OPPORTUNITY_STATUS[row.status]
    else:
        current = mapping.lead_status(row, row.receiver_partner_id == partner_id)
    if current == (target_status, target_sub):
        return
    refused = InvalidTransition(
        None,
        to=f"{target_status}/{target_sub}",
        message=_("A referral that is %(current)s cannot become %(target)s.")
        % {"current": "/".join(current), "target": f"{target_status}/{target_sub}"},
    )
    closing = target_status == "Closed" and target_sub in ("Won", "Lost")
    if kind == LEAD and row.receiver_partner_id != partner_id:
        raise _not_yours(kind, row, user, partner_id)
    if kind == LEAD and row.status == Lead.Status.RECEIVED:
        if (target_status, target_sub) == ("Active", "Accepted"):
            lead_services.lead_accept(lead_id=row.pk, actor=user, now=now)
        elif (target_status, target_sub) == ("Closed", "Declined"):
            if not reason:
                raise invalid("statusReason", _("Say why you decline."))
            lead_services.lead_decline(
                lead_id=row.pk, actor=user, reason=lost_reason(reason), notes=reason, now=now
            )
        else:
            raise refused
        return
    if not closing:
        raise refused
    opportunity_id = deal.pk if deal is not None else row.opportunity_id
    if opportunity_id is None:
        raise refused
    won = target_sub == "Won"
    deal_services.opportunity_close(
        opportunity_id=opportunity_id,
        outcome=Opportunity.Status.WON if won else Opportunity.Status.LOST,
        reason="" if won else lost_reason(reason),
        notes=reason,
        actor=user,
        now=now,
    )


def _target(target: dict):
    identifier = str(target.get("id") or "").strip()
    if identifier.lower() == "msft":
        return "msft"
    match = re.fullmatch(r"cosell-partner-(\d{1,12})", identifier)
    partner = (
        Partner.objects.filter(pk=int(match.group(1))).first()
        if match
        else Partner.objects.filter(partner_id=identifier).exclude(partner_id="").first()
    )
    if partner is None:
        raise invalid(
            "target", _("No partner has the organization id “%(id)s”.") % {"id": identifier[:60]}
        )
    return partner


@as_referral_errors
def create_referral(*, user, partner: Partner, body: dict, now: datetime) -> tuple[str, int]:
    """POST /referrals: a new deal (Independent: private; Shared: with Microsoft, or with the
    partners ``target`` names), or, with ``engagementId``, the other party's referral of a deal
    of yours (Microsoft or a partner invited to it)."""
    spec = inputs.new_referral(body)
    targets = [_target(t) for t in spec.targets]
    with transaction.atomic():
        if spec.engagement:
            return LEAD, _connect(spec, targets, user=user, partner=partner, now=now)
        if spec.type == "Independent" and targets:
            raise invalid("target", _("An Independent referral has no target."))
        partners = [t for t in targets if t != "msft"]
        if spec.type == "Independent":
            category = Category.PRIVATE
        else:
            category = Category.P2P if partners else Category.MICROSOFT
        fields = dict(spec.fields)
        if category != Category.MICROSOFT:
            fields.pop("share_with_microsoft", None)
        data = inputs.validate_create(
            {
                **fields,
                "category": category,
                "invite_partner_ids": [p.pk for p in partners],
                "invite_microsoft": bool(partners) and "msft" in targets,
            }
        )
        opportunity = deal_services.opportunity_create(partner=partner, actor=user, now=now, **data)
        plan = Plan(stage=spec.stage, team=spec.team)
        if plan.touches_deal:
            _change_deal(plan, opportunity, user=user, partner_id=partner.pk, now=now)
        if spec.status and spec.status[0] == "Closed":
            opportunity.refresh_from_db()
            _move(
                spec.status,
                OPPORTUNITY,
                opportunity,
                opportunity,
                user=user,
                partner_id=partner.pk,
                now=now,
            )
    return OPPORTUNITY, opportunity.pk


def _connect(spec, targets: list, *, user, partner: Partner, now: datetime) -> int:
    number = selectors.number_after(spec.engagement, "")
    deal = (
        selectors.opportunity_rows(user=user, partner_id=partner.pk).filter(pk=number).first()
        if number is not None
        else None
    )
    if deal is None:
        raise Http404  # another partner's engagement does not exist for the caller
    if len(targets) != 1:
        raise invalid(
            "target",
            _("A connected referral names one target: msft, or a partner's organization id."),
        )
    [target] = targets
    if target == "msft":
        if deal.category == Category.PRIVATE:
            deal_services.opportunity_upgrade(
                opportunity_id=deal.pk, category=Category.MICROSOFT, actor=user, now=now
            )
        elif deal.category == Category.P2P:
            raise Conflict(_("Microsoft is invited when a partner-to-partner deal is recorded."))
        lead = deal.leads.filter(receiver=Lead.Receiver.MICROSOFT)
    else:
        if deal.category == Category.PRIVATE:
            deal_services.opportunity_upgrade(
                opportunity_id=deal.pk,
                category=Category.P2P,
                partner_ids=[target.pk],
                actor=user,
                now=now,
            )
        else:
            deal_services.opportunity_invite(
                opportunity_id=deal.pk, partner_id=target.pk, actor=user, now=now
            )
        lead = deal.leads.filter(receiver_partner=target)
    return lead.order_by("-sent_at", "-pk").values_list("pk", flat=True).first()
