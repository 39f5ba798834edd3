from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Deal registrations")

    def ready(self) -> None:
        from cosell.core import labels
        from cosell.partners.views import HOME_SECTIONS

        from . import jobs  # noqa: F401  (registers the periodic jobs)
        from .models import DealRegistration, ExceptionRequest
        from .views import home_registrations

        labels.register_states(DealRegistration.State, ExceptionRequest.State)
        labels.register_subject_states("registrations.dealregistration", DealRegistration.State)
        labels.register_subject_states("registrations.exceptionrequest", ExceptionRequest.State)
        for verb, label in {
            "approved": _("Approved"),
            "review_requested": _("Sent for review"),
            "review_passed": _("Review passed"),
            "review_failed": _("Review failed"),
            "action_requested": _("Action requested"),
            "resubmitted": _("Answered and sent back for review"),
            "granted": _("Exception granted"),
            "denied": _("Exception denied"),
            "customer_account_set": _("Customer account set"),
            "customer_account_confirmed": _("Customer account confirmed"),
        }.items():
            labels.VERBS.setdefault(verb, label)
        if home_registrations not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_registrations)
