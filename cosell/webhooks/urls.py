from django.urls import path

from . import views

app_name = "webhooks"
urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_create, name="create"),
    path("guide/", views.webhook_docs, name="docs"),
    path("<int:endpoint_id>/test/", views.endpoint_send_test, name="send_test"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="detail"),
    path("<int:endpoint_id>/edit/", views.endpoint_update, name="update"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="delete"),
    path(
        "<int:endpoint_id>/rotate-secret/",
        views.endpoint_rotate_secret,
        name="rotate_secret",
    ),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="resend",
    ),
]
