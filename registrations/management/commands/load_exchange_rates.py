"""Load monthly exchange rates from a CSV: ``currency,month,usd_per_unit`` (a header row, month
as ``YYYY-MM`` or ``YYYY-MM-DD``). A rate already kept for that currency and month is replaced.
All or nothing: one bad row loads nothing and names its line."""

import csv
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registrations.models import ExchangeRate

COLUMNS = ("currency", "month", "usd_per_unit")


def parse_month(text: str) -> date:
    parts = text.strip().split("-")
    if len(parts) not in (2, 3):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), 1)


class Command(BaseCommand):
    help = (
        "Load monthly exchange rates (USD per unit) from a CSV file: currency,month,usd_per_unit."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file ('-' for standard input)")

    def handle(self, *args, path, **options):
        import sys

        try:
            handle = sys.stdin if path == "-" else open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        with handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(
                    f"Missing columns: {', '.join(missing)} (need {','.join(COLUMNS)})"
                )
            rates, errors = {}, []
            for line, row in enumerate(reader, start=2):
                currency = (row["currency"] or "").strip().upper()
                try:
                    month = parse_month(row["month"] or "")
                    rate = Decimal((row["usd_per_unit"] or "").strip())
                    if len(currency) != 3 or not currency.isalpha():
                        raise ValueError("currency")
                    if rate <= 0:
                        raise ValueError("rate")
                except (ValueError, InvalidOperation):
                    errors.append(f"line {line}: {row}")
                    continue
                rates[(currency, month)] = rate
        if errors:
            raise CommandError("Nothing loaded; bad rows:\n" + "\n".join(errors[:20]))
        with transaction.atomic():
            for (currency, month), rate in rates.items():
                ExchangeRate.objects.update_or_create(
                    currency=currency, month=month, defaults={"usd_per_unit": rate}
                )
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(rates)} exchange rates."))
