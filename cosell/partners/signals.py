from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import get_language_from_request

from . import services


@receiver(user_logged_in, dispatch_uid="partners.remember_language")
def remember_language(sender, request, user, **kwargs) -> None:
    """A person who never chose a language gets mail in the one their browser asks for."""
    if request is not None and not user.language:
        services.user_set_language(user=user, language=get_language_from_request(request))
