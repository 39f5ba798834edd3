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


def test_revoking_tokens_in_the_admin_goes_through_the_service(
    partner_admin, admin_user, client_for
):
    from cosell.core.models import ApiToken

    _raw, key_hash, prefix = ApiToken.generate()
    token = ApiToken.objects.create(
        user=partner_admin, name="CRM", key_hash=key_hash, prefix=prefix
    )
    response = client_for(admin_user).post(
        reverse("admin:core_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(verb="revoked", subject_id=str(token.pk))
    assert event.actor == admin_user
