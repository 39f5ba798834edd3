from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cosell.core.api import ObtainTokenView, api_not_found
from cosell.core.health import healthz
from cosell.core.job_views import JobFileView, JobView
from cosell.partners import views as partner_views
from cosell.partners.api import MeView, PartnerDetailView

admin.site.site_header = _("Cosell administration")
admin.site.site_title = _("Cosell admin")

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("partners/<int:pk>/", PartnerDetailView.as_view(), name="api-partner"),
    path("jobs/<int:pk>/", JobView.as_view(), name="api-job"),
    path("jobs/<int:pk>/file/", JobFileView.as_view(), name="api-job-file"),
    path("", include("partnercenter.bulk_csv.api_urls")),
    path("", include("offers.api")),
    path("", include("opportunities.api")),
    path("", include("registrations.api")),
    path("", include("cosell.webhooks.api")),
    re_path(r"^(?:.*/)?$", api_not_found),  # last: JSON 404 for any other API path
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", partner_views.set_language, name="set_language"),
    # Before Django's own: rate-limited, mail through the queue.
    path(
        "accounts/password_reset/",
        partner_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include(api_v1)),
    path("v1.0/engagements/", include("partnercenter.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("offers/", include("offers.urls")),
    path("", include("opportunities.urls")),
    path("account/", include("cosell.core.urls")),
    path("webhooks/", include("cosell.webhooks.urls")),
    path("registrations/", include("registrations.urls")),
    path("partner-center/", include("partnercenter.urls")),
    path("jobs/", include("cosell.core.job_urls")),
    path("", include("cosell.partners.urls")),
]
