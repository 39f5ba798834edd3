from django.urls import path

from . import board_views, create_views, csv_views, dashboard_views, live_views, views

app_name = "opportunities"
urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/admin/", dashboard_views.admin_dashboard, name="admin_dashboard"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/board/", board_views.pipeline_board, name="pipeline_board"),
    path("opportunities/<int:pk>/move/", board_views.opportunity_move, name="opportunity_move"),
    path("pipeline/export.csv", csv_views.opportunities_export, name="opportunities_export"),
    path("opportunities/import/", csv_views.opportunities_import, name="opportunities_import"),
    path(
        "opportunities/import/apply/",
        csv_views.opportunities_import_apply,
        name="opportunities_import_apply",
    ),
    path("opportunities/new/", create_views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/invite/", views.opportunity_invite, name="opportunity_invite"),
    path("opportunities/<int:pk>/upgrade/", views.opportunity_upgrade, name="opportunity_upgrade"),
    path("opportunities/<int:pk>/close/", views.opportunity_close, name="opportunity_close"),
    path(
        "opportunities/<int:pk>/status/",
        live_views.opportunity_status,
        name="opportunity_status",
    ),
    path("opportunities/<int:pk>/stage/", views.opportunity_stage, name="opportunity_stage"),
    path("leads/", views.lead_inbox, name="lead_inbox"),
    path("leads/export.csv", csv_views.leads_export, name="leads_export"),
    path("leads/queue/", views.lead_queue, name="lead_queue"),
    path("leads/send/", views.lead_send, name="lead_send"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/status/", live_views.lead_status, name="lead_status"),
    path("leads/<int:pk>/row/", views.lead_row, name="lead_row"),
    path("leads/<int:pk>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/decline/", views.lead_decline, name="lead_decline"),
    path("leads/<int:pk>/withdraw/", views.lead_withdraw, name="lead_withdraw"),
]
