from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _partner_figures_changed(sender, partner_id: int, **kwargs) -> None:
    from cosell.core import effects

    from . import tasks

    effects.queue(tasks.partner_offers_evaluate_task, partner_id)


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = _("Offers")

    def ready(self):
        from cosell.core import labels
        from cosell.core.events import partner_figures_changed
        from cosell.partners.views import HOME_SECTIONS

        from . import import_jobs, jobs  # noqa: F401  (registers the periodic and import jobs)
        from .models import BadgeState, CoSellStatus, Offer
        from .views import home_section

        labels.register_states(
            CoSellStatus, BadgeState, Offer.ListingState, Offer.TechnicalValidation
        )
        # "pending" is a badge to come, or a technical validation under review.
        labels.register_subject_states("offers.offer", BadgeState, verbs=("badge_changed",))
        labels.register_subject_states(
            "offers.offer", CoSellStatus, verbs=("co_sell_status_changed",)
        )
        labels.register_subject_states(
            "offers.offer",
            Offer.TechnicalValidation,
            verbs=(
                "technical_validation_changed",
                "technical_validation_submitted",
                "technical_validation_passed",
                "technical_validation_failed",
            ),
        )

        # Sent inside the change's transaction: the re-evaluation is recorded with it.
        partner_figures_changed.connect(
            _partner_figures_changed, dispatch_uid="offers.partner_figures_changed"
        )
        if home_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_section)
