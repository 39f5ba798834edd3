from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _partner_figures_changed(sender, partner_id: int, **kwargs) -> None:
    from . import tasks

    tasks.partner_offers_evaluate_task.delay(partner_id)


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self):
        from cosell.core import labels
        from cosell.core.events import partner_figures_changed
        from cosell.partners.views import HOME_SECTIONS

        from . import jobs  # noqa: F401  (registers the periodic jobs)
        from .models import BadgeState, CoSellStatus, Offer
        from .views import home_section

        labels.register_states(
            CoSellStatus, BadgeState, Offer.ListingState, Offer.TechnicalValidation
        )

        # Sent after commit, so queueing right away is safe.
        partner_figures_changed.connect(
            _partner_figures_changed, dispatch_uid="offers.partner_figures_changed"
        )
        if home_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_section)
