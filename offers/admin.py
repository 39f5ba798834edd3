from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cosell.core import clock
from cosell.core.errors import DomainError

from . import selectors, services
from .models import Offer, OfferContact, OfferDocument


class ReadOnlyInline(admin.TabularInline):
    """Documents and contacts change through the offer pages and API, where files are checked
    and every change is audited; the admin shows them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OfferDocumentInline(ReadOnlyInline):
    model = OfferDocument
    fields = ["kind", "download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("offers:document_download", args=[obj.offer_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class OfferContactInline(ReadOnlyInline):
    model = OfferContact
    fields = ["name", "email", "job_title", "role", "countries"]
    readonly_fields = fields


def _set_validation(value, label):
    def action(modeladmin, request, queryset):
        now = clock.now()
        refused = []
        for offer in queryset:
            try:
                services.offer_set_technical_validation(
                    offer_id=offer.pk, value=value, actor=request.user, now=now
                )
            except DomainError:
                refused.append(offer.name)
        if refused:
            modeladmin.message_user(
                request,
                _("Technical validation cannot move that way for: %(names)s.")
                % {"names": ", ".join(refused)},
                messages.WARNING,
            )
        else:
            modeladmin.message_user(request, _("Technical validation set."), messages.SUCCESS)

    action.__name__ = f"set_technical_validation_{value}"
    return admin.action(description=label)(action)


class OfferAdminForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = [
            "partner",
            "name",
            "offer_type",
            "listing_state",
            "transactable",
            "has_paid_plan",
            "billed_revenue_12m_usd",
            "solution_type",
            "solution_areas",
            "is_office_add_in",
            "technical_validation",
            "isv_connect_enrolled",
        ]

    def clean_technical_validation(self):
        value = self.cleaned_data["technical_validation"]
        # A new offer starts not submitted; every change is a move the service allows.
        current = (
            self.instance.technical_validation
            if self.instance.pk
            else Offer.TechnicalValidation.NOT_SUBMITTED
        )
        if not services.technical_validation_allowed(current, value):
            raise forms.ValidationError(
                _("Technical validation cannot move from “%(from)s” to “%(to)s”.")
                % {
                    "from": Offer.TechnicalValidation(current).label,
                    "to": Offer.TechnicalValidation(value).label,
                }
            )
        return value


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferAdminForm
    list_display = [
        "name",
        "partner",
        "offer_type",
        "listing_state",
        "technical_validation",
        "isv_connect_enrolled",
        "co_sell_status",
        "badge_state",
        "badge_due_at",
    ]
    list_filter = [
        "co_sell_status",
        "badge_state",
        "technical_validation",
        "offer_type",
        "listing_state",
        "transactable",
        "isv_connect_enrolled",
    ]
    search_fields = ["name", "partner__name", "partner__partner_id"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    readonly_fields = [
        "co_sell_status",
        "status_changed_at",
        "badge_state",
        "badge_due_at",
        "badge_visible_since",
        "status_history",
    ]
    inlines = [OfferDocumentInline, OfferContactInline]
    actions = [
        _set_validation(Offer.TechnicalValidation.PASSED, _("Set technical validation: passed")),
        _set_validation(Offer.TechnicalValidation.FAILED, _("Set technical validation: failed")),
        _set_validation(Offer.TechnicalValidation.PENDING, _("Set technical validation: pending")),
        "reevaluate",
    ]

    def get_readonly_fields(self, request, obj=None):
        # An offer never moves to another partner.
        return [*self.readonly_fields, "partner"] if obj is not None else self.readonly_fields

    @admin.action(description=_("Re-evaluate co-sell status"))
    def reevaluate(self, request, queryset):
        now = clock.now()
        for offer_id in queryset.values_list("pk", flat=True):
            services.offer_status_evaluate(
                offer_id=offer_id, now=now, actor=request.user, job="admin.reevaluate"
            )
        self.message_user(request, _("Co-sell status re-evaluated."), messages.SUCCESS)

    @admin.display(description=_("status history"))
    def status_history(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        events = selectors.offer_history(offer=obj)[:50]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.at.strftime("%Y-%m-%d %H:%M"), e.verb, e.from_state, e.to_state, e.who, e.reason)
                for e in events
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "</tr></thead><tbody>{}</tbody></table>",
            _("when"),
            _("what"),
            _("from"),
            _("to"),
            _("who"),
            _("why"),
            rows,
        )

    def save_model(self, request, obj, form, change):
        """Through the services, so the change is audited and the status re-evaluated."""
        now = clock.now()
        fields = {
            name: form.cleaned_data[name]
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }
        facts = {
            name: form.cleaned_data[name]
            for name in services.MEASURED_FIELDS
            if name in form.cleaned_data and name in form.changed_data
        }
        if not change:
            offer = services.offer_create(
                partner=form.cleaned_data["partner"], actor=request.user, now=now, **fields
            )
            obj.pk = offer.pk
            obj.refresh_from_db()
        else:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            if changed:
                services.offer_update(offer_id=obj.pk, actor=request.user, now=now, **changed)
        if facts:
            services.offer_facts_set(offer_id=obj.pk, actor=request.user, now=now, **facts)
        if (
            "technical_validation" in form.changed_data
            and form.cleaned_data["technical_validation"] in services.VALIDATION_SERVICES
        ):
            services.offer_set_technical_validation(
                offer_id=obj.pk,
                value=form.cleaned_data["technical_validation"],
                actor=request.user,
                now=now,
            )
        obj.refresh_from_db()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for search and review; changes go through the offer pages and API."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfferDocument)
class OfferDocumentAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "offer", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "extension"]
    search_fields = ["original_name", "offer__name", "offer__partner__name"]
    list_select_related = ["offer", "uploaded_by"]


@admin.register(OfferContact)
class OfferContactAdmin(ReadOnlyAdmin):
    list_display = ["name", "email", "role", "offer", "countries"]
    list_filter = ["role"]
    search_fields = ["name", "email", "offer__name", "offer__partner__name"]
    list_select_related = ["offer"]
