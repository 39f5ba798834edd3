"""Template helpers shared by every page: form widgets, locale-aware money and numbers, status
badges in one set of colours, and the sortable column headers of list pages."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, to_locale

register = template.Library()

_SELECTS = {"select", "selectmultiple", "nullbooleanselect"}
_CHECKS = {"checkbox", "radioselect", "checkboxselectmultiple", "searchablechecklist"}


@register.filter
def bs_widget(field):
    """Render a form field's widget with Bootstrap classes and accessible error links."""
    widget_type = field.widget_type
    if widget_type in _SELECTS:
        css = "form-select"
    elif widget_type in _CHECKS:
        css = "form-check-input"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


# --- Locale formatting -------------------------------------------------------------------


def babel_locale() -> str:
    """The active Django language as a Babel locale (``zh-hans`` -> ``zh_Hans``)."""
    return to_locale(get_language() or "en")


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value, currency="USD"):
    """``{{ deal.value|money:deal.currency }}``: an amount in the active language's format."""
    amount = _decimal(value)
    if amount is None:
        return ""
    try:
        return format_currency(amount, currency or "USD", locale=babel_locale())
    except (ValueError, LookupError):
        return f"{currency} {amount:,.2f}"


@register.filter
def number(value, digits=0):
    """A number with the active language's grouping, ``digits`` decimals at most."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "#" * int(digits) if int(digits) else "")
    return format_decimal(amount, format=pattern, locale=babel_locale())


@register.filter
def percent(value):
    """A ratio (0..1) as a percentage in the active language; empty when there is none."""
    ratio = _decimal(value)
    if ratio is None:
        return "—"
    return format_percent(ratio, locale=babel_locale())


@register.filter
def duration_hours(value):
    """A timedelta as hours (or days past two days), e.g. "5 h" / "3.5 d"; "—" when None."""
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if hours >= 48:
        return gettext("%(n)s d") % {"n": format_decimal(hours / 24, "#,##0.#", babel_locale())}
    return gettext("%(n)s h") % {"n": format_decimal(hours, "#,##0.#", babel_locale())}


# --- Status badges ----------------------------------------------------------------------

# One colour per meaning, everywhere: waiting/new = blue, good = green, needs a look = amber,
# bad = red, over or not started = grey.
STATUS_COLOURS = {
    # co-sell statuses
    "not_ready": "secondary",
    "co_sell_ready": "success",
    "azure_ip_incentive": "primary",
    "bizapps_standard": "primary",
    "bizapps_premium": "primary",
    # Preferred solution badge states
    "none": "light",
    "pending": "warning",
    "visible": "success",
    "removal_pending": "danger",
    # lead statuses
    "received": "info",
    "accepted": "success",
    "declined": "danger",
    "expired": "secondary",
    "withdrawn": "secondary",
    # opportunity statuses
    "active": "primary",
    "won": "success",
    "lost": "danger",
    "error": "dark",
    # deal registrations and exception requests
    "registration_pending": "info",
    "approved": "success",
    "review_pending": "info",
    "review_passed": "success",
    "review_failed": "danger",
    "action_required": "warning",
    "closed": "secondary",
    "granted": "success",
    "denied": "danger",
    # webhook endpoints and deliveries, API tokens
    "succeeded": "success",
    "gave_up": "danger",
    "failing": "danger",
    "inactive": "secondary",
    "revoked": "secondary",
    # listing and validation
    "draft": "light",
    "live": "success",
    "passed": "success",
    "failed": "danger",
    "not_submitted": "light",
}


@register.filter
def status_colour(code) -> str:
    return STATUS_COLOURS.get(str(code), "secondary")


# And one icon per colour, so a status reads without colour too (bootstrap-icons).
STATUS_ICONS = {
    "success": "check-circle-fill",
    "danger": "x-circle-fill",
    "warning": "hourglass-split",
    "info": "envelope-fill",
    "primary": "arrow-right-circle-fill",
    "secondary": "dash-circle",
    "dark": "exclamation-octagon-fill",
    "light": "circle",
}


@register.simple_tag
def status_badge(code, label=None):
    """``{% status_badge lead.status lead.get_status_display %}``: a pill in the status's colour,
    with the colour's icon."""
    colour = status_colour(code)
    return format_html(
        '<span class="badge rounded-pill text-bg-{} status-badge" data-status="{}">'
        '<i class="bi bi-{} me-1" aria-hidden="true"></i>{}</span>',
        colour,
        code,
        STATUS_ICONS.get(colour, "circle"),
        label if label is not None else code,
    )


# --- Lists: sorting and paging ----------------------------------------------------------


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    params.pop("_", None)
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.simple_tag(takes_context=True)
def query(context, **changes):
    """The current query string with some parameters changed (None removes one)."""
    return _query(context["request"], **changes)


@register.simple_tag(takes_context=True)
def sort_th(context, key, label, css=""):
    """A sortable column header: a link that flips the order, and ``aria-sort`` for readers.

    The list page passes ``sort`` (e.g. "-name") in the context; links keep the filters and
    drop the page number."""
    current = context.get("sort") or ""
    direction = "none"
    if current == key:
        direction = "ascending"
    elif current == f"-{key}":
        direction = "descending"
    next_sort = f"-{key}" if direction == "ascending" else key
    href = _query(context["request"], sort=next_sort, page=None)
    arrow = {"ascending": "▲", "descending": "▼"}.get(direction, "↕")
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a class="sort-link" href="{}" '
        'hx-get="{}">{} <span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        css,
        direction,
        href,
        href,
        label,
        arrow,
    )


@register.filter
def verb_label(code):
    """An audit verb in the reader's language."""
    from cosell.core.labels import verb_label as label

    return label(str(code or ""))


@register.filter
def state_label(code):
    """A stored state code (status, stage, badge state) in the reader's language."""
    from cosell.core.labels import state_label as label

    return label(str(code or ""))


@register.filter
def reason_label(text):
    """A stored reason code (close reason, ...) in the reader's language; free text as is."""
    from cosell.core.labels import reason_label as label

    return label(str(text or ""))


# Multiple-choice fields with more options than this are a scrolling, filterable list.
LONG_CHOICES = 8


@register.filter
def length_is_long(choices) -> bool:
    """Whether a field's options are many enough for a filterable list (forms.js)."""
    try:
        return len(choices) > LONG_CHOICES
    except TypeError:
        return False


@register.filter
def checklist_searchable(field) -> bool:
    """Whether a checklist gets a search box (forms.js): a widget that asks for one (offers,
    partners to invite) or more options than LONG_CHOICES."""
    if getattr(field.field.widget, "searchable", False):
        return True
    return length_is_long(getattr(field.field, "choices", ()))


@register.filter
def history_sentence(event) -> str:
    """An audit event as a sentence in the reader's language (cosell.core.history)."""
    from cosell.core.history import sentence

    return sentence(event)


@register.simple_tag
def live_key(*parts) -> str:
    """The key of what a polled status fragment shows (cosell.core.live)."""
    from cosell.core.live import key

    return key(*parts)


@register.filter
def statuses(objects) -> str:
    """The statuses of a list of objects, as one key part (the leads of a deal)."""
    return ".".join(str(getattr(o, "status", "")) for o in objects)
