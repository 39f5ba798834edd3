from django.urls import path

from . import views

app_name = "offers"
urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_create, name="create"),
    path("<int:offer_id>/", views.offer_detail, name="detail"),
    path("<int:offer_id>/status/", views.offer_status, name="status"),
    path("<int:offer_id>/edit/", views.offer_edit, name="edit"),
    path(
        "<int:offer_id>/technical-validation/",
        views.offer_set_technical_validation,
        name="technical_validation",
    ),
    path("<int:offer_id>/documents/", views.document_upload, name="document_upload"),
    path(
        "<int:offer_id>/documents/<int:document_id>/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<int:offer_id>/documents/<int:document_id>/delete/",
        views.document_delete,
        name="document_delete",
    ),
    path("<int:offer_id>/contacts/new/", views.contact_add, name="contact_add"),
    path("<int:offer_id>/contacts/import/", views.contacts_import, name="contacts_import"),
    path(
        "<int:offer_id>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
]
