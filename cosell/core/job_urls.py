"""Browser pages of background jobs, mounted at /jobs/."""

from django.urls import path

from . import job_views

app_name = "jobs"
urlpatterns = [
    path("<int:job_id>/", job_views.job_detail, name="detail"),
    path("<int:job_id>/progress/", job_views.job_progress, name="progress"),
    path("<int:job_id>/file/", job_views.job_file, name="file"),
    path("<int:job_id>/apply/", job_views.job_apply, name="apply"),
]
