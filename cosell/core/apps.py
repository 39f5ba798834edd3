from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cosell.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import jobs, schema  # noqa: F401  (periodic jobs; OpenAPI extensions)
