from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from cosell.partners.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Load the demo partners, people and data. Idempotent: run it as often as you like."

    def handle(self, *args, **options):
        logins: list[tuple[str, str]] = []
        with transaction.atomic():
            for path in settings.COSELL_DEMO_SEEDERS:
                logins += import_string(path)() or []
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded. Demo logins (password for all: {DEMO_PASSWORD}):"
            )
        )
        for username, what in logins:
            self.stdout.write(f"  {username:<16} {what}")
