"""Django's database sessions (``SESSION_ENGINE``), each page's session read by SQL compiled
once per process (``cosell/core/compiled.py``) instead of built by the ORM on every request.
Same table, same rows, same expiry rule: sessions signed in before keep working."""

from datetime import UTC, datetime

from django.contrib.sessions.backends import db
from django.utils import timezone

from .compiled import CompiledQuery


def _unexpired(session_key, now):
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


_unexpired_session = CompiledQuery(
    _unexpired,
    session_key="cosell-compiled-placeholder-session-key",
    now=datetime(1, 1, 2, tzinfo=UTC),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        found = _unexpired_session(session_key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
