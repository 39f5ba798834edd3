import pytest
from django.urls import reverse

from cosell.core import audit, clock
from cosell.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_events_are_append_only(partner, partner_admin):
    event = audit.record(partner, "renamed", frm="a", to="b", actor=partner_admin, at=clock.now())
    event.reason = "tampered"
    with pytest.raises(RuntimeError):
        event.save()
    assert list(audit.history(partner)) == [event]
    assert AuditEvent.objects.get().reason == ""


def test_audit_events_cannot_be_edited_in_the_admin(partner, admin_user, client_for):
    event = audit.record(partner, "renamed", job="nightly", at=clock.now())
    client = client_for(admin_user)
    url = reverse("admin:core_auditevent_change", args=[event.pk])
    assert client.get(url).status_code == 200  # visible, read-only
    client.post(url, {"verb": "edited"})
    event.refresh_from_db()
    assert event.verb == "renamed"
    delete = client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
