from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from cosell.core import labels
        from cosell.partners.views import HOME_SECTIONS
        from opportunities.dashboard_views import home_shared_deals, home_today
        from opportunities.deals.choices import Category, DealType, ErrorReason, LostReason, Stage
        from opportunities.deals.models import Opportunity
        from opportunities.leads.models import Lead

        labels.register_states(
            Lead.Status, Opportunity.Status, Stage, Category, LostReason, ErrorReason, DealType
        )
        # History reads each code as its subject means it ("accepted" lead, "other" reason).
        labels.register_subject_states("opportunities.lead", Lead.Status)
        labels.register_subject_states("opportunities.opportunity", Stage, verbs=("stage_changed",))
        labels.register_subject_states(
            "opportunities.opportunity", Opportunity.Status, Category, DealType
        )
        labels.register_reasons(LostReason, Opportunity.Status.LOST, Lead.Status.DECLINED)
        labels.register_reasons(ErrorReason, Opportunity.Status.ERROR)
        # Today's work opens every home page, before the other apps' panels.
        if home_today not in HOME_SECTIONS:
            HOME_SECTIONS.insert(0, home_today)
        if home_shared_deals not in HOME_SECTIONS:
            HOME_SECTIONS.insert(1, home_shared_deals)
