from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from cosell.core import clock
from cosell.core.errors import DomainError, ValidationFailed
from cosell.core.form_views import submit
from cosell.core.limits import client_address, over_limit
from cosell.core.lists import paginate, render_list, search_term, sort_queryset

from . import selectors, services
from .forms import MemberInviteForm, MemberRoleForm, QueuedPasswordResetForm
from .models import Role


def login_locked_out(request, original_response=None, credentials=None):
    """What a locked-out login attempt sees (django-axes calls this)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "status": 429,
                "code": "throttled",
                "detail": _("Too many failed logins. Try again later."),
            },
            status=429,
        )
    return render(request, "registration/locked_out.html", status=429)


def set_language(request):
    """Django's language switcher, which also remembers the choice for the person's mail."""
    response = i18n_views.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        services.user_set_language(
            user=request.user, language=request.POST.get("language", ""), chosen=True
        )
    return response


@login_required
def home(request):
    """Each person's home: partner people, sellers and admins each see their own."""
    role = request.user.role
    if role in (Role.PARTNER_ADMIN, Role.PARTNER_USER):
        return partner_home(request)
    if role == Role.SELLER:
        return seller_home(request)
    if role == Role.ADMIN:
        return redirect("admin:index")
    return render(request, "partners/no_role.html", status=403)


def partner_home(request):
    partner = request.user.partner
    context = {"partner": partner, "sections": home_sections(request, partner=partner)}
    return render(request, "partners/partner_home.html", context)


def seller_home(request):
    seller = request.user.seller
    context = {"seller": seller, "sections": home_sections(request, seller=seller)}
    return render(request, "partners/seller_home.html", context)


# Higher apps add their panels to the home pages without this app importing them.
HOME_SECTIONS: list = []


def home_sections(request, **kwargs) -> list[str]:
    rendered = []
    for section in HOME_SECTIONS:
        html = section(request, **kwargs)
        if html:
            rendered.append(html)
    return rendered


def _require_partner(request):
    partner = selectors.partner_for_user(user=request.user)
    if partner is None:
        raise PermissionDenied
    return partner


MEMBER_SORTS = {
    "name": ("user__first_name", "user__last_name", "user__username"),
    "email": "user__email",
    "role": "role",
    "joined": "created_at",
}


@login_required
def member_list(request):
    partner = _require_partner(request)
    can_manage = request.user.has_perm("partners.manage_members", partner)
    members = selectors.membership_list(user=request.user)
    search = search_term(request)
    if search:
        members = members.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    members, sort = sort_queryset(members, request, MEMBER_SORTS, default="name")
    page = paginate(members, request)
    return render_list(
        request,
        "partners/members.html",
        "partners/_member_list.html",
        {
            "partner": partner,
            "page": page,
            "members": page.object_list,
            "search": search,
            "sort": sort,
            "can_manage": can_manage,
            "invite_form": MemberInviteForm() if can_manage else None,
            "role_form_class": MemberRoleForm,
        },
    )


@login_required
def member_invite(request):
    partner = _require_partner(request)
    if not request.user.has_perm("partners.manage_members", partner):
        raise PermissionDenied
    form = MemberInviteForm(request.POST or None)
    submitted = submit(
        request,
        form,
        lambda data: services.member_invite(
            partner=partner, inviter=request.user, now=clock.now(), **data
        ),
        refusals=ValidationFailed,
    )
    if submitted.done:
        membership = submitted.result
        messages.success(
            request,
            _("Invitation sent to %(email)s.") % {"email": membership.user.email},
        )
        return HttpResponseRedirect(reverse("members"))
    return render(
        request,
        "partners/member_invite.html",
        {"partner": partner, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_remove(request, membership_id: int):
    partner = _require_partner(request)
    membership = selectors.membership_get(user=request.user, membership_id=membership_id)
    if not request.user.has_perm("partners.manage_members", partner):
        raise PermissionDenied
    try:
        services.member_remove(membership_id=membership.pk, actor=request.user, now=clock.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
    return HttpResponseRedirect(reverse("members"))


@login_required
@require_POST
def member_set_role(request, membership_id: int):
    partner = _require_partner(request)
    membership = selectors.membership_get(user=request.user, membership_id=membership_id)
    if not request.user.has_perm("partners.manage_members", partner):
        raise PermissionDenied
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin or member."))
        return HttpResponseRedirect(reverse("members"))
    try:
        services.member_set_role(
            membership_id=membership.pk,
            role=form.cleaned_data["role"],
            actor=request.user,
            now=clock.now(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role updated."))
    return HttpResponseRedirect(reverse("members"))


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, rate-limited per client address and per account (the address
    typed, whether or not it is a person's: the answer says nothing about who exists); the
    mail is queued (``QueuedPasswordResetForm``)."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        address = client_address(self.request)
        window = settings.COSELL_PASSWORD_RESET_WINDOW_MINUTES * 60
        if over_limit(
            "password_reset_address",
            address,
            limit=settings.COSELL_PASSWORD_RESET_ADDRESS_LIMIT,
            window_seconds=window,
        ) or over_limit(
            "password_reset_account",
            form.cleaned_data["email"],
            limit=settings.COSELL_PASSWORD_RESET_ACCOUNT_LIMIT,
            window_seconds=window,
        ):
            form.add_error(None, _("Too many password reset requests. Try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
