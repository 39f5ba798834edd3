"""Only public http(s) targets, checked at registration and again at delivery."""

import pytest

from cosell.core import clock
from cosell.core.errors import ValidationFailed
from cosell.webhooks import net, outbox, services
from cosell.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
    ],
)
def test_non_public_addresses_are_recognised(address):
    assert not net.address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert net.address_is_public(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/hook",
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/",
        "ftp://93.184.215.14/hook",
        "file:///etc/passwd",
        "http://user:pw@93.184.215.14/hook",
        "https://",
    ],
)
def test_registration_refuses_unsafe_urls(url, partner, partner_admin, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationFailed) as caught:
        services.endpoint_create(
            partner=partner, actor=partner_admin, url=url, events=["lead.created"], now=clock.now()
        )
    assert "url" in caught.value.errors


def test_a_public_address_can_be_registered(partner, partner_admin, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    endpoint = services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url="https://93.184.215.14/hooks",
        events=["lead.created"],
        now=clock.now(),
    )
    assert endpoint.secret.startswith("whsec_")


def test_delivery_re_checks_the_address(
    endpoint, receiver, partner, settings, django_capture_on_commit_callbacks
):
    """Registered while allowed; by delivery time private targets are refused: nothing is sent
    (a DNS answer that changed after registration is caught the same way)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit(
            event_type="lead.created", subject=partner, recipients={partner.pk: {}}, at=clock.now()
        )
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "127.0.0.1" in delivery.attempt_log.get().error


def test_a_hostname_resolving_to_loopback_is_refused_at_delivery(
    partner, partner_admin, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    services.endpoint_create(
        partner=partner,
        actor=partner_admin,
        url=f"http://localhost:{receiver.port}/hook",
        events=["lead.created"],
        now=clock.now(),
    )
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    with django_capture_on_commit_callbacks(execute=True):
        outbox.emit(
            event_type="lead.created", subject=partner, recipients={partner.pk: {}}, at=clock.now()
        )
    assert receiver.requests == []
    error = WebhookDelivery.objects.get().attempt_log.get().error
    assert "localhost" in error
