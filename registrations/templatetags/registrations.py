"""``{% registration_card opportunity %}`` on the deal page and ``{% registration_counts %}`` on
the partner dashboard; what they show is decided by the app's rules."""

from django import template
from django.template.loader import render_to_string

from .. import rules, selectors
from ..models import DealRegistration

register = template.Library()


@register.simple_tag(takes_context=True)
def registration_card(context, opportunity):
    request = context["request"]
    user = request.user
    can_view = rules.can_view(user, opportunity)
    can_confirm = rules.can_confirm_customer_account(user, opportunity) and not user.is_staff
    if not (can_view or can_confirm):
        return ""
    # Only a won deal is ever registered (won is terminal): other deals need no query.
    won = opportunity.status == "won"
    registration = (
        DealRegistration.objects.filter(opportunity=opportunity).first()
        if can_view and won
        else None
    )
    # Rendered with the page's own context (its request, csrf token and language), not
    # render_to_string(request=...), which runs every context processor a second time.
    with context.push(
        opportunity=opportunity,
        registration=registration,
        can_view=can_view,
        can_confirm=can_confirm,
        won=won,
    ):
        return context.template.engine.get_template("registrations/_card.html").render(context)


@register.simple_tag(takes_context=True)
def registration_counts(context, partner):
    if partner is None:
        return ""
    labels = dict(DealRegistration.State.choices)
    counts = [
        {**row, "label": labels.get(row["state"], row["state"])}
        for row in selectors.registered_value_by_state(partner_id=partner.pk)
    ]
    if not counts:
        return ""
    return render_to_string(
        "registrations/_counts.html", {"counts": counts}, request=context["request"]
    )
