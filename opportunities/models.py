"""The app's models, for Django: each lives with its aggregate (``deals``, ``leads``)."""

from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads.models import Lead

__all__ = ["Lead", "Opportunity", "OpportunitySolution", "TeamMember"]
