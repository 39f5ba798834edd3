"""The opportunities and leads API, under /api/v1/."""

from rest_framework.routers import SimpleRouter

from opportunities.deals.api.views import OpportunityViewSet
from opportunities.leads.api.views import LeadViewSet

router = SimpleRouter()
router.register("opportunities", OpportunityViewSet, basename="api-opportunity")
router.register("leads", LeadViewSet, basename="api-lead")

urlpatterns = router.urls
