from django.urls import path

from opportunities import dashboard_views
from opportunities.deals import board_views, create_views, csv_views, live_views
from opportunities.deals import views as deal_views
from opportunities.leads import views as lead_views

app_name = "opportunities"
urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/admin/", dashboard_views.admin_dashboard, name="admin_dashboard"),
    path("pipeline/", deal_views.pipeline, name="pipeline"),
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
    path("opportunities/<int:pk>/", deal_views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", deal_views.opportunity_edit, name="opportunity_edit"),
    path(
        "opportunities/<int:pk>/invite/", deal_views.opportunity_invite, name="opportunity_invite"
    ),
    path(
        "opportunities/<int:pk>/upgrade/",
        deal_views.opportunity_upgrade,
        name="opportunity_upgrade",
    ),
    path("opportunities/<int:pk>/close/", deal_views.opportunity_close, name="opportunity_close"),
    path(
        "opportunities/<int:pk>/status/",
        live_views.opportunity_status,
        name="opportunity_status",
    ),
    path("opportunities/<int:pk>/stage/", deal_views.opportunity_stage, name="opportunity_stage"),
    path("leads/", lead_views.lead_inbox, name="lead_inbox"),
    path("leads/export.csv", lead_views.leads_export, name="leads_export"),
    path("leads/queue/", lead_views.lead_queue, name="lead_queue"),
    path("leads/send/", lead_views.lead_send, name="lead_send"),
    path("leads/<int:pk>/", lead_views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/status/", lead_views.lead_status, name="lead_status"),
    path("leads/<int:pk>/row/", lead_views.lead_row, name="lead_row"),
    path("leads/<int:pk>/accept/", lead_views.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/decline/", lead_views.lead_decline, name="lead_decline"),
    path("leads/<int:pk>/withdraw/", lead_views.lead_withdraw, name="lead_withdraw"),
]
