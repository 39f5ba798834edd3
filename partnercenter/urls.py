"""Browser URLs of the Partner Center formats (bulk CSV), mounted at /partner-center/."""

from django.urls import path

from . import views

app_name = "partnercenter"
urlpatterns = [
    path("co-sell-opportunities.csv", views.bulk_download, name="bulk_download"),
    path("template.csv", views.bulk_template, name="bulk_template"),
    path("upload/", views.bulk_upload, name="bulk_upload"),
]
