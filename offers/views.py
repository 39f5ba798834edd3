"""Browser pages of offers. Thin: selectors read, services write, rules decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import clock, live
from cosell.core.errors import DomainError, ValidationFailed
from cosell.core.form_views import submit
from cosell.core.labels import state_label
from cosell.core.limits import MULTIPART_SLACK, max_request_bytes
from cosell.core.lists import paginate, render_list, search_term, sort_queryset

from . import import_jobs, selectors, services
from .badges import next_propagation_run
from .files import max_upload_bytes
from .forms import (
    ContactForm,
    ContactsImportForm,
    DocumentUploadForm,
    OfferForm,
    TechnicalValidationForm,
)
from .models import BadgeState, CoSellStatus, Offer, OfferType
from .services.contacts import MAX_IMPORT_BYTES, CsvImportFailed


def home_section(request, partner=None, seller=None) -> str:
    """The offers panel of a partner's or seller's home page."""
    if partner is None and seller is None:
        return ""
    offers = selectors.offer_list(user=request.user)
    counts = selectors.offer_status_counts(offers=offers)
    rows = [(code, label, counts.get(code, 0)) for code, label in CoSellStatus.choices]
    context = {
        "status_rows": rows if partner is not None else [r for r in rows if r[2]],
        "total": sum(counts.values()),
        "upcoming": list(selectors.badge_changes_upcoming(offers=offers)[:5])
        if partner is not None
        else [],
        "next_run": next_propagation_run(clock.now()),
        "partner": partner,
        "seller": seller,
    }
    return render_to_string("offers/home_section.html", context, request=request)


def _detail(offer_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("offers:detail", args=[offer_id]))


def _managed_offer(request, offer_id: int) -> Offer:
    """An offer the user sees (else 404) and manages (else 403)."""
    offer = selectors.offer_get(user=request.user, offer_id=offer_id)
    if not request.user.has_perm("offers.manage_offer", offer):
        raise PermissionDenied
    return offer


OFFER_SORTS = {
    "name": "name",
    "partner": "partner__name",
    "type": "offer_type",
    "listing": "listing_state",
    "status": "co_sell_status",
    "badge": ("badge_state", "badge_due_at"),
}


@login_required
def offer_list(request):
    """Offers with filters, sorting and paging; htmx gets only the table back."""
    offers = selectors.offer_list(user=request.user)
    status = request.GET.get("status", "")
    if status in CoSellStatus.values:
        offers = offers.filter(co_sell_status=status)
    offer_type = request.GET.get("type", "")
    if offer_type in OfferType.values:
        offers = offers.filter(offer_type=offer_type)
    search = search_term(request)
    if search:
        offers = offers.filter(Q(name__icontains=search) | Q(partner__name__icontains=search))
    offers, sort = sort_queryset(offers, request, OFFER_SORTS, default="name")
    page = paginate(offers, request)
    partner = request.user.partner
    return render_list(
        request,
        "offers/offer_list.html",
        "offers/_offer_table.html",
        {
            "page": page,
            "offers": page.object_list,
            "status": status,
            "offer_type": offer_type,
            "search": search,
            "sort": sort,
            "filtered": bool(status or offer_type or search),
            "statuses": CoSellStatus.choices,
            "types": OfferType.choices,
            "can_create": partner is not None
            and request.user.has_perm("offers.manage_offer", partner),
            "show_partner": partner is None,
        },
    )


def _history_with_reasons(events, co_sell) -> list:
    """Events with ``reason_display``: a status move names its requirement in the reader's
    language when the checklist still says the same of it; else the stored reason."""
    checklist = {item.code: item for item in co_sell["evaluation"].checklist}
    events = list(events)
    for event in events:
        event.reason_display = event.reason
        item = checklist.get((event.extra or {}).get("requirement", ""))
        if item is not None and item.met == (event.extra.get("direction") == "up"):
            event.reason_display = item.detail
        elif event.verb == "co_sell_status_changed" and ": " in event.reason:
            # "code: sentence" as recorded (in English): the sentence in the reader's language,
            # never the code.
            event.reason_display = gettext(event.reason.split(": ", 1)[1])
        elif event.verb == "badge_changed" and event.reason.startswith("co_sell_status: "):
            status = event.reason.split(": ", 1)[1]
            event.reason_display = _("Co-sell status: %(status)s") % {"status": state_label(status)}
        elif event.verb == "badge_changed" and event.reason.startswith("propagation run "):
            event.reason_display = _("The badge propagation run")
    return events


@login_required
def offer_status(request, offer_id: int):
    """The co-sell status badge alone, polled by the offer page (cosell/core/live.py)."""
    offer = selectors.offer_get(user=request.user, offer_id=offer_id)
    key = live.key(offer.co_sell_status, offer.badge_state)
    return live.live_response(request, key, "offers/_status.html", {"offer": offer})


@login_required
def offer_detail(request, offer_id: int):
    offer = selectors.offer_get(user=request.user, offer_id=offer_id)
    user = request.user
    can_manage = user.has_perm("offers.manage_offer", offer)
    can_files = user.has_perm("offers.download_document", offer)
    co_sell = selectors.offer_co_sell(offer=offer)
    context = {
        "offer": offer,
        "co_sell": co_sell,
        "can_manage": can_manage,
        "can_files": can_files,
        "documents": selectors.document_list(offer=offer) if can_files else [],
        "contacts": selectors.contact_list(offer=offer),
        "can_history": user.has_perm("offers.see_history", offer),
        "history": _history_with_reasons(selectors.offer_history(offer=offer)[:50], co_sell)
        if user.has_perm("offers.see_history", offer)
        else [],
        "upload_form": DocumentUploadForm() if can_manage else None,
        "can_review_validation": user.has_perm("offers.set_technical_validation"),
        "can_submit_validation": user.has_perm("offers.submit_technical_validation", offer)
        and offer.technical_validation
        in (Offer.TechnicalValidation.NOT_SUBMITTED, Offer.TechnicalValidation.FAILED),
        "badge_states": BadgeState,
    }
    return render(request, "offers/offer_detail.html", context)


@login_required
def offer_create(request):
    partner = request.user.partner
    if partner is None or not request.user.has_perm("offers.manage_offer", partner):
        raise PermissionDenied
    form = OfferForm(request.POST or None)
    submitted = submit(
        request,
        form,
        lambda data: services.offer_create(
            partner=partner, actor=request.user, now=clock.now(), **data
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        offer = submitted.result
        messages.success(request, _("Offer created; its co-sell status is being checked."))
        return _detail(offer.pk)
    return render(
        request,
        "offers/offer_form.html",
        {"form": form, "offer": None},
        status=400 if form.errors else 200,
    )


@login_required
def offer_edit(request, offer_id: int):
    offer = _managed_offer(request, offer_id)
    form = OfferForm(request.POST or None, instance=offer)
    submitted = submit(
        request,
        form,
        lambda data: services.offer_update(
            offer_id=offer.pk, actor=request.user, now=clock.now(), **data
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        messages.success(request, _("Offer saved."))
        return _detail(offer.pk)
    return render(
        request,
        "offers/offer_form.html",
        {"form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def offer_set_technical_validation(request, offer_id: int):
    """``action=submit``: the partner submits the offer for technical validation;
    ``technical_validation=passed|failed|pending``: an administrator records the review."""
    offer = selectors.offer_get(user=request.user, offer_id=offer_id)
    now = clock.now()
    try:
        if request.POST.get("action") == "submit":
            if not request.user.has_perm("offers.submit_technical_validation", offer):
                raise PermissionDenied
            services.offer_technical_validation_submit(
                offer_id=offer.pk, actor=request.user, now=now
            )
            messages.success(request, _("The offer was submitted for technical validation."))
            return _detail(offer.pk)
        if not request.user.has_perm("offers.set_technical_validation"):
            raise PermissionDenied
        form = TechnicalValidationForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a technical validation result."))
            return _detail(offer.pk)
        services.offer_set_technical_validation(
            offer_id=offer.pk,
            value=form.cleaned_data["technical_validation"],
            actor=request.user,
            now=now,
        )
        messages.success(request, _("Technical validation saved."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return _detail(offer.pk)


@max_request_bytes(lambda: max_upload_bytes() + MULTIPART_SLACK)
@login_required
def document_upload(request, offer_id: int):
    offer = _managed_offer(request, offer_id)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    submitted = submit(
        request,
        form,
        lambda data: services.offer_document_upload(
            offer_id=offer.pk,
            kind=data["kind"],
            upload=data["file"],
            actor=request.user,
            now=clock.now(),
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        document = submitted.result
        messages.success(request, _("%(name)s was uploaded.") % {"name": document.original_name})
        return _detail(offer.pk)
    return render(
        request,
        "offers/document_upload.html",
        {"form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@login_required
def document_download(request, offer_id: int, document_id: int):
    """Stream a document to the offer's partner and staff; 404 for everyone else."""
    document = selectors.document_get(user=request.user, offer_id=offer_id, document_id=document_id)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@login_required
@require_POST
def document_delete(request, offer_id: int, document_id: int):
    document = selectors.document_get(user=request.user, offer_id=offer_id, document_id=document_id)
    _managed_offer(request, offer_id)
    services.offer_document_delete(document_id=document.pk, actor=request.user, now=clock.now())
    messages.success(request, _("%(name)s was deleted.") % {"name": document.original_name})
    return _detail(offer_id)


@login_required
def contact_add(request, offer_id: int):
    offer = _managed_offer(request, offer_id)
    form = ContactForm(request.POST or None)
    submitted = submit(
        request,
        form,
        lambda data: services.offer_contact_add(
            offer_id=offer.pk, actor=request.user, now=clock.now(), **data
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        messages.success(request, _("Contact added."))
        return _detail(offer.pk)
    return render(
        request,
        "offers/contact_form.html",
        {"form": form, "offer": offer},
        status=400 if form.errors else 200,
    )


@max_request_bytes(MAX_IMPORT_BYTES + MULTIPART_SLACK)
@login_required
def contacts_import(request, offer_id: int):
    offer = _managed_offer(request, offer_id)
    form = ContactsImportForm(request.POST or None, request.FILES or None)
    problems: list[dict] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        membership = request.user.membership_or_none
        try:
            job = import_jobs.start(
                offer=offer,
                user=request.user,
                partner_id=membership.partner_id if membership is not None else None,
                raw=upload.read(MAX_IMPORT_BYTES + 1),
                filename=upload.name or "",
            )
        except CsvImportFailed as exc:
            problems = exc.rows
            form.add_error(None, _("Nothing was imported: correct the rows below and try again."))
        else:
            # The job's page shows its progress, then how many contacts were added.
            return redirect("jobs:detail", job.pk)
    return render(
        request,
        "offers/contacts_import.html",
        {"form": form, "offer": offer, "problems": problems},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def contact_delete(request, offer_id: int, contact_id: int):
    contact = selectors.contact_get(user=request.user, offer_id=offer_id, contact_id=contact_id)
    _managed_offer(request, offer_id)
    services.offer_contact_delete(contact_id=contact.pk, actor=request.user, now=clock.now())
    messages.success(request, _("Contact removed."))
    return _detail(offer_id)
