from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import get_language_from_request

from . import services
from .middleware import LOGIN_LANGUAGE_ATTR


@receiver(user_logged_in, dispatch_uid="partners.remember_language")
def remember_language(sender, request, user, **kwargs) -> None:
    """A person who never chose a language gets mail in the one their browser asks for; one
    who chose with the switcher gets the pages in that language again, on any browser
    (LoginLanguageMiddleware sets the cookie on the login response)."""
    if request is None:
        return
    if user.language_chosen and user.language:
        setattr(request, LOGIN_LANGUAGE_ATTR, user.language)
    elif not user.language:
        services.user_set_language(user=user, language=get_language_from_request(request))


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="partners.password_revokes_tokens"
)
def password_change_revokes_tokens(sender, instance, created, **kwargs) -> None:
    """A changed or reset password ends every API token of the person: whoever learnt the old
    password may have made one. (``_password`` is set by ``set_password`` until the save that
    stores it, during which this runs; a new person has no tokens.)"""
    if created or getattr(instance, "_password", None) is None:
        return
    from cosell.core import clock
    from cosell.core.services import api_tokens_revoke_for_user

    api_tokens_revoke_for_user(user=instance, now=clock.now(), reason="password_changed")
