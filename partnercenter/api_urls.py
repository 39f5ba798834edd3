"""URLs of the Referrals API, mounted at /v1.0/engagements/ by the project's urls.py."""

urlpatterns: list = []
