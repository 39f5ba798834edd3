"""The kernel's pages: a person's own API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cosell.core.form_views import submit

from . import clock, selectors, services
from .errors import ValidationFailed
from .forms import ApiTokenForm

NEW_TOKEN_SESSION_KEY = "core.new_api_token"


@login_required
def api_tokens(request):
    """List the user's tokens and create one; a new token's key shows once, after the redirect."""
    form = ApiTokenForm(request.POST or None)
    submitted = submit(
        request,
        form,
        lambda data: services.api_token_create(
            user=request.user, name=data["name"], now=clock.now()
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        token, raw = submitted.result
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "raw": raw}
        messages.success(request, _("Token created."))
        return HttpResponseRedirect(reverse("api_tokens"))
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "core/tokens.html",
        {
            "form": form if request.method == "POST" else ApiTokenForm(),
            "tokens": selectors.api_token_list(user=request.user),
            "new_token": new_token,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    services.api_token_revoke(token_id=token.pk, actor=request.user, now=clock.now())
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return HttpResponseRedirect(reverse("api_tokens"))
