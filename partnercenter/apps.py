from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnerCenterConfig(AppConfig):
    name = "partnercenter"
    verbose_name = _("Partner Center formats")

    def ready(self) -> None:
        from . import webhooks

        webhooks.register()  # Partner Center's referral events for webhook endpoints
