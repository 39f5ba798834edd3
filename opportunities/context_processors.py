from django.utils.functional import SimpleLazyObject

from cosell.core import clock
from opportunities.leads import selectors

SIGNED_IN_ROLES = ("partner_admin", "partner_user", "seller")


def leads_waiting(request):
    """How many leads wait for the signed-in person's answer, counted (one query) only when
    a page shows the navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or str(user.role) not in SIGNED_IN_ROLES:
        return {"leads_waiting": 0}
    return {
        "leads_waiting": SimpleLazyObject(
            lambda: selectors.leads_waiting_count(user=user, now=clock.now())
        )
    }
