from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from cosell.core import audit, clock
from cosell.core.errors import DomainError
from cosell.partners.models import Seller
from opportunities.deals.models import Opportunity, OpportunitySolution, TeamMember
from opportunities.leads import services
from opportunities.leads.models import Lead


def _history(obj) -> str:
    events = audit.history(obj)[:50]
    return (
        format_html_join(
            "\n",
            "<div>{} · {} {} → {} · {} {}</div>",
            (
                (e.at.strftime("%Y-%m-%d %H:%M"), e.verb, e.from_state, e.to_state, e.who, e.reason)
                for e in events
            ),
        )
        or "—"
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SolutionInline(ReadOnlyInline):
    model = OpportunitySolution
    fields = ["kind", "offer", "name"]
    readonly_fields = fields


class TeamInline(ReadOnlyInline):
    model = TeamMember
    fields = ["user", "role", "added_at"]
    readonly_fields = fields


class LeadInline(ReadOnlyInline):
    model = Lead
    fk_name = "opportunity"
    fields = ["receiver", "receiver_partner", "receiver_seller", "status", "expires_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Read-only: states change through the services (the portal and the API)."""

    list_display = [
        "name",
        "partner",
        "category",
        "status",
        "stage",
        "value",
        "currency",
        "close_date",
        "created_at",
    ]
    list_filter = ["category", "status", "stage", "partner", "team__user__seller"]
    search_fields = ["name", "customer_name", "customer_duns", "crm_id", "partner__name"]
    list_select_related = ["partner"]
    date_hierarchy = "created_at"
    inlines = [SolutionInline, TeamInline, LeadInline]
    readonly_fields = ["history"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Opportunity._meta.fields] + ["history"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("history"))
    def history(self, obj):
        return _history(obj)


class ReassignForm(forms.Form):
    seller = forms.ModelChoiceField(
        label=_("Seller"),
        queryset=Seller.objects.filter(user__is_active=True).select_related("user"),
    )


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "source",
        "status",
        "receiver",
        "receiver_partner",
        "receiver_seller",
        "sender_partner",
        "sent_at",
        "expires_at",
    ]
    list_filter = [
        "status",
        "source",
        "receiver",
        "opportunity__category",
        "sender_partner",
        "receiver_partner",
        "receiver_seller",
    ]
    search_fields = ["title", "customer_name", "opportunity__name", "opportunity__customer_name"]
    list_select_related = [
        "opportunity",
        "receiver_partner",
        "receiver_seller__user",
        "sender_partner",
    ]
    date_hierarchy = "sent_at"
    actions = ["reassign"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Lead._meta.fields] + ["history"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("history"))
    def history(self, obj):
        return _history(obj)

    @admin.action(description=_("Reassign selected leads to another seller"))
    def reassign(self, request, queryset):
        if not request.user.is_staff:
            raise PermissionDenied
        form = ReassignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            seller, done = form.cleaned_data["seller"], 0
            for lead in queryset:
                try:
                    services.lead_reassign(
                        lead_id=lead.pk, seller_id=seller.pk, actor=request.user, now=clock.now()
                    )
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{lead}: {exc.message}", messages.WARNING)
            self.message_user(
                request,
                _("%(count)d lead(s) reassigned to %(seller)s.")
                % {"count": done, "seller": seller},
            )
            return None
        return render(
            request,
            "opportunities/admin_reassign.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reassign leads"),
                "leads": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpportunitySolution)
class OpportunitySolutionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "opportunity"]
    list_filter = ["kind"]
    list_select_related = ["opportunity", "offer"]
    search_fields = ["name", "offer__name", "opportunity__name"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "opportunity", "added_at"]
    list_filter = ["role"]
    list_select_related = ["opportunity", "user"]
    search_fields = ["user__username", "opportunity__name"]
