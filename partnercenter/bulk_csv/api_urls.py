"""API endpoints of the Partner Center bulk CSV, included under /api/v1/ (before the
opportunities' router)."""

from django.urls import path

from .api import PartnerCenterExportView, PartnerCenterTemplateView, PartnerCenterUploadView

urlpatterns = [
    path(
        "opportunities/export/partner-center.csv",
        PartnerCenterExportView.as_view(),
        name="api-opportunity-export-partner-center",
    ),
    path(
        "opportunities/import/partner-center/template.csv",
        PartnerCenterTemplateView.as_view(),
        name="api-opportunity-import-partner-center-template",
    ),
    path(
        "opportunities/import/partner-center/",
        PartnerCenterUploadView.as_view(),
        name="api-opportunity-import-partner-center",
    ),
]
