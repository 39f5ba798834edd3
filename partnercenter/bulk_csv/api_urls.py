"""API endpoints of the Partner Center bulk CSV, under /api/v1/."""

urlpatterns: list = []
