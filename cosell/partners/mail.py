"""Mail to people in their own language.

A person's language is the one they last chose with the switcher, or the one their browser asked
for when they last logged in; the portal's default otherwise.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from cosell.core import effects

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def language_of(user) -> str:
    language = getattr(user, "language", "") or ""
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def render_mail(subject_template: str, body_template: str, context: dict, language: str):
    """(subject, body) rendered in ``language``."""
    with translation.override(language):
        subject = " ".join(render_to_string(subject_template, context).split())
        body = render_to_string(body_template, context)
    return subject, body


def send(subject: str, body: str, emails: list[str], language: str) -> None:
    """Send one message. A side effect that may have run before (its worker died after
    sending) says so, in the body and in a header."""
    headers = {}
    if effects.is_redelivery():
        with translation.override(language):
            note = _("This message may be a duplicate: it was sent again after an interruption.")
        body = f"{note}\n\n{body}"
        headers["X-Cosell-Possible-Duplicate"] = "yes"
    EmailMessage(subject, body, None, emails, headers=headers).send()


def mail_people(
    users: Iterable, *, subject_template: str, body_template: str, context: dict
) -> int:
    """Mail every active person with an address, one message per language (recipients of one
    message share a language). Returns how many people were mailed."""
    by_language: dict[str, list[str]] = defaultdict(list)
    for user in users:
        if user.is_active and user.email:
            by_language[language_of(user)].append(user.email)
    for language, emails in by_language.items():
        subject, body = render_mail(subject_template, body_template, context, language)
        send(subject, body, sorted(set(emails)), language)
    return sum(len(set(emails)) for emails in by_language.values())


def partner_admins(partner_id: int):
    """The active admins of a partner, as users."""
    from .models import Membership, User

    return User.objects.filter(
        membership__partner_id=partner_id,
        membership__role=Membership.Role.ADMIN,
        is_active=True,
    ).exclude(email="")
