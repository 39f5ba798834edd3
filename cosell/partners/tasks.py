from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .mail import language_of, render_mail, send
from .models import Membership, User


@shared_task(name="partners.member_send_invitation")
def member_send_invitation(membership_id: int, base_url: str | None = None) -> bool:
    """Mail an invited person the link to choose their password."""
    membership = (
        Membership.objects.select_related("user", "partner", "invited_by")
        .filter(pk=membership_id, user__is_active=True)
        .first()
    )
    if membership is None:
        return False
    user = membership.user
    link = (base_url or getattr(settings, "COSELL_BASE_URL", "http://127.0.0.1:8000")) + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    # The invited person has no language yet: write in the inviter's.
    language = language_of(membership.invited_by) if membership.invited_by else language_of(user)
    subject, body = render_mail(
        "partners/mail/invitation_subject.txt",
        "partners/mail/invitation.txt",
        {"membership": membership, "link": link},
        language,
    )
    send(subject, body, [user.email], language)
    return True


@shared_task(
    name="partners.password_reset_send",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def password_reset_send(user_id: int, email: str, domain: str, protocol: str) -> bool:
    """Mail a password reset link (the token is made here, from the current password, so a
    link mailed late still works until the password changes)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    context = {
        "email": email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    subject, body = render_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        language_of(user),
    )
    send(subject, body, [email], language_of(user))
    return True
