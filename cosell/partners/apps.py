from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "cosell.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from cosell.core import labels

        from . import signals  # noqa: F401  (remembers the language at login)
        from .models import Membership, Partner

        labels.register_states(Membership.Role, Partner.IsvConnectTier)
        labels.register_subject_states("partners.membership", Membership.Role)
        labels.register_subject_states("partners.partner", Partner.IsvConnectTier)
