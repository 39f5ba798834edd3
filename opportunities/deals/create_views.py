"""The "new deal" page in two steps: first the kind of deal (category and deal type, as links
so it works without JavaScript), then a form with only the sections that kind needs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cosell.core import clock
from cosell.core.errors import DomainError
from cosell.core.form_views import errors_onto, form_page
from cosell.partners.rules import require_partner_person
from offers.models import CO_SELL_READY_STATUSES
from opportunities.deals import kinds as deal_kinds
from opportunities.deals import services
from opportunities.deals.choices import Category
from opportunities.deals.forms import OpportunityForm


def _kind_choices(partner) -> list[dict]:
    """Each kind of deal with whether this partner may record it, and why not."""
    has_ready_offer = partner.offers.filter(co_sell_status__in=CO_SELL_READY_STATUSES).exists()
    choices = []
    for kind in deal_kinds.KINDS.values():
        reason = ""
        if kind.needs_co_sell_offer and not has_ready_offer:
            reason = _("Needs a co-sell-ready offer of yours.")
        elif kind.needs_sa_vetting and not partner.sa_vetted:
            reason = _("Only partners vetted for solution assessments can record one.")
        choices.append({"kind": kind, "reason": reason})
    return choices


def _kind_page(request, partner, *, status=200):
    choices = _kind_choices(partner)
    with_microsoft = [c for c in choices if c["kind"].key in ("co_sell", "partner_led", "private")]
    others = [c for c in choices if c not in with_microsoft]
    return render(
        request,
        "opportunities/deal_new.html",
        {
            "with_microsoft": with_microsoft,
            "others": others,
            "asked_microsoft": request.GET.get("category") == Category.MICROSOFT,
        },
        status=status,
    )


@login_required
def opportunity_create(request):
    """Step 1 without a kind (``?category=&deal_type=``), the form of that kind with one."""
    partner = require_partner_person(request.user)
    source = request.POST if request.method == "POST" else request.GET
    kind = deal_kinds.kind_for(source.get("category"), source.get("deal_type"))
    if (
        kind is None
        and request.method == "POST"
        and source.get("category") == Category.MICROSOFT
        and not source.get("deal_type")
    ):
        kind = deal_kinds.UNTYPED_MICROSOFT  # posted without a type: both questions on the form
    if kind is None:
        if request.method == "POST":
            messages.error(request, _("Choose the kind of deal first."))
        return _kind_page(request, partner, status=400 if request.method == "POST" else 200)
    form = OpportunityForm(request.POST or None, partner=partner, kind=kind)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(
                partner=partner, actor=request.user, now=clock.now(), **form.service_kwargs()
            )
        except services.DuplicateOpportunity as exc:
            duplicate = exc.extra.get("duplicate_of")
            form.show_duplicate_confirmation()
            form.add_error(
                None,
                _("%(message)s Tick the confirmation below to record it anyway.")
                % {"message": exc.message},
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Opportunity recorded."))
            return redirect("opportunities:opportunity_detail", opportunity.pk)
    intro = ""
    if duplicate:
        intro = _("A similar active opportunity exists (#%(id)s).") % {"id": duplicate}
    return form_page(
        request,
        form,
        title=_("New deal"),
        submit=_("Record opportunity"),
        cancel_url="opportunities:pipeline",
        intro=intro,
        status=409 if duplicate else 200,
        template="opportunities/deal_form.html",
        kind=kind,
    )
