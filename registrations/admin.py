"""Admin: exchange rates are kept here (or loaded with ``manage.py load_exchange_rates``);
registrations and exception requests are read here and reviewed in the portal's review queue,
where each move goes through its service and is audited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import DealRegistration, ExceptionRequest, ExchangeRate, WindowReminder


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "month", "usd_per_unit"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    ordering = ["currency", "-month"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DealRegistration)
class DealRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "partner", "state", "annual_value_usd", "created_at", "review"]
    list_filter = ["state", "pricing_model"]
    search_fields = ["opportunity__name", "opportunity__partner__name"]
    list_select_related = ["opportunity__partner"]

    @admin.display(description=_("partner"))
    def partner(self, obj):
        return obj.opportunity.partner

    @admin.display(description=_("review"))
    def review(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("registrations:review_queue"), _("Review queue")
        )


@admin.register(ExceptionRequest)
class ExceptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "state", "created_at", "answered_at"]
    list_filter = ["state"]
    search_fields = ["opportunity__name"]


@admin.register(WindowReminder)
class WindowReminderAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "sent_at"]
    search_fields = ["opportunity__name"]
