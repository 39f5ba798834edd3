"""``{% opportunity_body %}``: the opportunity page's body, from the fragment cache or rendered
in the page's own context and stored (``opportunities/deals/detail_page.py``)."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def opportunity_body(context) -> str:
    from opportunities.deals.detail_page import BODY_TEMPLATE, CSRF_PLACEHOLDER

    body = context["body"]
    if body.html is None:
        # Rendered with a placeholder for the CSRF token, which is the request's own.
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            html = context.template.engine.get_template(BODY_TEMPLATE).render(context)
        body.store(html)
    html = body.html
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token")))
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)
