from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, AuditEvent, BackgroundJob, PendingEffect


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is read-only everywhere, the admin included."""

    list_display = ["at", "subject_type", "subject_id", "verb", "from_state", "to_state", "who"]
    list_filter = ["subject_type", "verb", "job", "at"]
    search_fields = ["subject_id", "verb", "reason", "actor__username", "job"]
    date_hierarchy = "at"
    list_select_related = ["subject_type", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("who"))
    def who(self, obj):
        return obj.who


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "created_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        from . import clock, services

        now = clock.now()
        ids = list(queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        for token_id in ids:
            services.api_token_revoke(token_id=token_id, actor=request.user, now=now)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": len(ids)})


@admin.register(PendingEffect)
class PendingEffectAdmin(admin.ModelAdmin):
    """Side effects waiting for the worker, done, or given up: for operators to look at."""

    list_display = ["id", "task", "status", "attempts", "created_at", "next_try_at", "done_at"]
    list_filter = ["status", "task"]
    search_fields = ["task", "last_error"]
    readonly_fields = [f.name for f in PendingEffect._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(admin.ModelAdmin):
    """CSV imports and other background jobs: for operators to look at (read-only)."""

    list_display = ["id", "kind", "user", "partner_id", "status", "progress_done", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "filename", "error"]
    exclude = ["content", "result_file"]
    readonly_fields = [
        f.name for f in BackgroundJob._meta.fields if f.name not in ("content", "result_file")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
