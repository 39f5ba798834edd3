from django import forms
from django.contrib import admin

from cosell.core import clock
from cosell.core.errors import ValidationFailed
from cosell.core.form_views import errors_onto

from . import endpoints, services
from .models import DeliveryAttempt, OutboxEvent, WebhookDelivery, WebhookEndpoint


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "type",
        "partner",
        "subject_type",
        "subject_id",
        "created_at",
        "dispatched_at",
    ]
    list_filter = ["type", "subject_type", "dispatched_at", "created_at"]
    search_fields = ["id", "subject_id", "partner__name"]
    list_select_related = ["partner"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WebhookEndpointForm(forms.ModelForm):
    class Meta:
        model = WebhookEndpoint
        fields = ["event_format", "events", "is_active"]

    def clean(self):
        """The service's own checks, as form errors (a format needs events of that format)."""
        cleaned = super().clean()
        if "event_format" in cleaned and "events" in cleaned:
            try:
                cleaned["events"] = endpoints.clean_events(
                    cleaned["events"], cleaned["event_format"]
                )
            except ValidationFailed as exc:
                errors_onto(self, exc)
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = [
        "url",
        "partner",
        "event_format",
        "is_active",
        "failing",
        "failing_since",
        "created_at",
    ]
    list_filter = ["event_format", "is_active", "failing", "partner"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    # The secret is never shown again after creation, here neither.
    fields = [
        "partner",
        "url",
        "event_format",
        "events",
        "is_active",
        "failing",
        "failing_since",
        "secret_rotated_at",
        "previous_secret_expires_at",
        "created_by",
    ]
    readonly_fields = [
        "partner",
        "url",
        "failing",
        "failing_since",
        "secret_rotated_at",
        "previous_secret_expires_at",
        "created_by",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Changes go through the service, so they are validated and audited."""
        services.endpoint_update(
            endpoint_id=obj.pk,
            actor=request.user,
            now=clock.now(),
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )

    def delete_model(self, request, obj):
        services.endpoint_delete(endpoint_id=obj.pk, actor=request.user, now=clock.now())


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "endpoint__partner"]
    search_fields = ["event__id", "endpoint__url", "endpoint__partner__name"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "at", "status_code", "duration_ms", "error"]
    list_filter = ["status_code", "at"]
    search_fields = ["delivery__event__id", "delivery__endpoint__url", "error"]
    list_select_related = ["delivery"]
    readonly_fields = [f.name for f in DeliveryAttempt._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
