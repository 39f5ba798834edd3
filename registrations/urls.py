from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("", views.registration_list, name="list"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/<str:action>/", views.review_action, name="review_action"),
    path("exceptions/<int:pk>/<str:decision>/", views.exception_answer, name="exception_answer"),
    path("deals/<int:pk>/", views.register, name="register"),
    path("deals/<int:pk>/exception/", views.exception_request, name="exception_request"),
    path("deals/<int:pk>/customer-account/", views.customer_account, name="customer_account"),
    path(
        "deals/<int:pk>/customer-account/confirm/",
        views.customer_account_confirm,
        name="customer_account_confirm",
    ),
    path("<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("<int:pk>/close/", views.close, name="close"),
]
