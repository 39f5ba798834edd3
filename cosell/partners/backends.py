"""The portal's password backend: Django's, loading the signed-in person in one query."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from cosell.core.compiled import CompiledQuery

# Every page asks who the person is: their role, partner and seller territory.
USER_RELATIONS = ("membership__partner", "seller")
# Its SQL (four tables joined) compiled once per process (cosell/core/compiled.py).
_user_with_relations = CompiledQuery(
    lambda pk: get_user_model()._default_manager.select_related(*USER_RELATIONS).filter(pk=pk),
    "pk",
)


class PortalBackend(ModelBackend):
    """``ModelBackend`` whose session user comes with their membership, its partner and their
    seller record joined (one query instead of four on every page).

    Sessions signed in before this backend existed name Django's ``ModelBackend``, which stays
    listed after this one so that they keep working. Wrong credentials stop here
    (``PermissionDenied`` ends Django's loop over backends, as a failure), so that backend never
    hashes the same password a second time."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        found = _user_with_relations(pk=user_id)
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
