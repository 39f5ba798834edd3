"""URLs of the Referrals API, mounted at /v1.0/engagements/ by the project's urls.py.

Referral ids are strings: ``opportunity-<id>`` (a partner's own referral of its deal) and
``lead-<id>`` (a lead as a referral); ``engagementId`` is the opportunity's id. The connector's
deal-registration operations live at ``referrals/{id}/`` and ``referrals/{id}//``.
``reverse("pc-referral", kwargs={"id": ...})`` gives a referral's URL (webhooks' ResourceUri).
"""

from django.urls import path, re_path

from cosell.core.api import api_not_found

from .referrals.api import (
    ReferralRegistrationUpdateView,
    ReferralRegistrationView,
    ReferralsView,
    ReferralView,
)

REFERRAL_ID = r"(?P<id>[^/]+)"

urlpatterns = [
    path("referrals", ReferralsView.as_view(), name="pc-referrals"),
    re_path(rf"^referrals/{REFERRAL_ID}$", ReferralView.as_view(), name="pc-referral"),
    re_path(
        rf"^referrals/{REFERRAL_ID}/$",
        ReferralRegistrationView.as_view(),
        name="pc-referral-registration",
    ),
    re_path(
        rf"^referrals/{REFERRAL_ID}//$",
        ReferralRegistrationUpdateView.as_view(),
        name="pc-referral-registration-update",
    ),
    re_path(r"^.*$", api_not_found),  # last: JSON 404 for any other path of the API
]
