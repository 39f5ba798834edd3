from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cosell.core import clock

from . import services
from .models import Membership, Partner, Seller, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "partner"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["invited_by", "created_at"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "partner_id",
        "country",
        "business_profile_complete",
        "solutions_partner_designation",
        "isv_connect_tier",
        "sa_vetted",
        "acr_trailing_12m_usd",
    ]
    list_filter = [
        "isv_connect_tier",
        "sa_vetted",
        "business_profile_complete",
        "solutions_partner_designation",
        "country",
    ]
    search_fields = ["name", "partner_id"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        """Figures go through the service, so they are audited and offers re-evaluate."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        figures = {
            name: form.cleaned_data[name]
            for name in services.FIGURE_FIELDS
            if name in form.changed_data
        }
        other = [name for name in form.changed_data if name not in services.FIGURE_FIELDS]
        if other:
            Partner.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in other})
        if figures:
            services.partner_update_figures(
                partner_id=obj.pk, actor=request.user, now=clock.now(), changes=figures
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    list_select_related = ["user", "partner"]
    autocomplete_fields = ["user", "partner"]
    readonly_fields = ["invited_by"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["user", "territory_countries", "areas", "is_sa_team"]
    list_filter = ["is_sa_team"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]

    @admin.display(description=_("countries"))
    def territory_countries(self, obj):
        return ", ".join(c.code for c in obj.countries)

    @admin.display(description=_("solution areas"))
    def areas(self, obj):
        return ", ".join(obj.get_solution_areas_display())


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role_label", "is_active"]
    list_filter = ["is_staff", "is_active", "membership__role", "membership__partner"]
    list_select_related = ["membership__partner", "seller"]

    @admin.display(description=_("role"))
    def role_label(self, obj):
        return obj.role.label if hasattr(obj.role, "label") else obj.role
