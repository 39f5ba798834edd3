from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from cosell.partners.views import HOME_SECTIONS

        from . import services  # noqa: F401  (registers the periodic lead jobs)
        from .views import home_expiring_leads

        HOME_SECTIONS.append(home_expiring_leads)
