"""Deal wording from the viewer's side: "Contoso's offer" to everyone but Contoso's own people,
"Mei Lin (Microsoft)" for a seller."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()

MICROSOFT_SUFFIX = "(Microsoft)"


@register.simple_tag(takes_context=True)
def solution_kind(context, solution, opportunity) -> str:
    """The kind of a deal's solution as the viewer says it: an offer is "Our offer" only to the
    partner that owns the deal."""
    if solution.kind != "offer":
        return solution.get_kind_display()
    viewer = context.get("current_partner")
    if viewer is not None and viewer.pk == opportunity.partner_id:
        return solution.get_kind_display()
    return _("%(partner)s's offer") % {"partner": opportunity.partner.name}


@register.filter
def seller_name(user) -> str:
    """A Microsoft seller's name marked as Microsoft's, once: "Mei Lin (Microsoft)"."""
    name = str(user)
    if name.endswith(MICROSOFT_SUFFIX):
        return name
    return _("%(name)s (Microsoft)") % {"name": name}
