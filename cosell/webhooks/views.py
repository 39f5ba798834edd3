"""Webhooks in the browser, for partner admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core import clock
from cosell.core.errors import DomainError, ValidationFailed
from cosell.core.form_views import errors_onto, submit
from cosell.core.lists import fragment, paginate
from cosell.partners.rules import is_partner_admin

from . import ping, selectors, services
from .forms import EndpointEditForm, EndpointForm, RotateSecretForm
from .models import WebhookDelivery

SECRET_SESSION_KEY = "webhooks.new_secret"


def _require_partner_admin(request):
    if not is_partner_admin(request.user):
        raise PermissionDenied
    return request.user.membership.partner


@login_required
def endpoint_list(request):
    partner = _require_partner_admin(request)
    endpoints = selectors.endpoint_list(user=request.user)
    return render(request, "webhooks/list.html", {"partner": partner, "endpoints": endpoints})


@login_required
def endpoint_create(request):
    partner = _require_partner_admin(request)
    form = EndpointForm(request.POST or None)
    submitted = submit(
        request,
        form,
        lambda data: services.endpoint_create(
            partner=partner, actor=request.user, now=clock.now(), **form.service_kwargs()
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        endpoint = submitted.result
        # Shown once, on the next page: a reload does not show it again.
        request.session[SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}
        messages.success(request, _("Endpoint registered."))
        return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))
    return render(
        request,
        "webhooks/create.html",
        {"partner": partner, "form": form},
        status=400 if form.errors else 200,
    )


def _detail(request, endpoint, form=None, status=200):
    new_secret = request.session.pop(SECRET_SESSION_KEY, None)
    if new_secret and new_secret.get("id") != endpoint.pk:
        new_secret = None
    deliveries = selectors.delivery_list(endpoint=endpoint)
    status_filter = request.GET.get("status", "")
    if status_filter in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status_filter)
    else:
        status_filter = ""
    page = paginate(deliveries, request, per_page=25)
    form = form or EndpointEditForm(
        initial={
            "event_format": endpoint.event_format,
            "events": endpoint.events,
            "is_active": endpoint.is_active,
        }
    )
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "status_filter": status_filter,
        "delivery_statuses": WebhookDelivery.Status.choices,
        "secret": new_secret["secret"] if new_secret else None,
        "previous_secret_until": endpoint.previous_secret_expires_at
        if endpoint.previous_secret_valid(clock.now())
        else None,
    }
    if status == 200 and getattr(request, "htmx", False) and not request.htmx.boosted:
        return fragment(request, "webhooks/_deliveries.html", context)
    return render(request, "webhooks/detail.html", context, status=status)


@login_required
def endpoint_detail(request, endpoint_id: int):
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    return _detail(request, endpoint)


@login_required
@require_POST
def endpoint_update(request, endpoint_id: int):
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    form = EndpointEditForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(
                endpoint_id=endpoint.pk,
                actor=request.user,
                now=clock.now(),
                **form.service_kwargs(),
            )
        except ValidationFailed as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Endpoint saved."))
            return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))
    return _detail(request, endpoint, form=form, status=400)


@login_required
def endpoint_delete(request, endpoint_id: int):
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint_id=endpoint.pk, actor=request.user, now=clock.now())
        messages.success(request, _("Endpoint deleted."))
        return HttpResponseRedirect(reverse("webhooks:list"))
    return render(request, "webhooks/delete.html", {"endpoint": endpoint})


@login_required
@require_POST
def delivery_resend(request, endpoint_id: int, delivery_id: int):
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
    try:
        services.delivery_resend(delivery_id=delivery.pk, actor=request.user, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery will be sent again."))
    return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))


@login_required
@require_POST
def endpoint_send_test(request, endpoint_id: int):
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    try:
        ping.endpoint_send_test(endpoint_id=endpoint.pk, actor=request.user, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("A test event is on its way: its delivery appears below in a moment.")
        )
    return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))


@login_required
def endpoint_rotate_secret(request, endpoint_id: int):
    """A new signing secret, shown once on the endpoint's page."""
    _require_partner_admin(request)
    endpoint = selectors.endpoint_get(user=request.user, endpoint_id=endpoint_id)
    form = RotateSecretForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = services.endpoint_rotate_secret(
            endpoint_id=endpoint.pk,
            actor=request.user,
            now=clock.now(),
            keep_previous=form.cleaned_data["keep_previous"],
        )
        request.session[SECRET_SESSION_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}
        messages.success(request, _("The endpoint has a new signing secret."))
        return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))
    return render(request, "webhooks/rotate_secret.html", {"endpoint": endpoint, "form": form})


@login_required
def webhook_docs(request):
    """The webhooks guide (docs/webhooks.md) as a page of the portal, for partner admins."""
    _require_partner_admin(request)
    return render(request, "webhooks/docs.html")
