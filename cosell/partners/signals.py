from django.contrib.auth.signals import user_logged_in
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
