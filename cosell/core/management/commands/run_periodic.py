from django.core.management.base import BaseCommand, CommandError

from cosell.core import clock, periodic


class Command(BaseCommand):
    help = "Run every periodic job (or the named ones) synchronously for one instant."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="the instant to run for, ISO-8601 (e.g. 2026-12-01T09:00:00Z); default: now",
        )
        parser.add_argument(
            "--job", action="append", dest="names", help="run only this job (repeatable)"
        )
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")

    def handle(self, *args, at=None, names=None, list=False, **options):
        known = periodic.jobs()
        if list:
            for name in sorted(known):
                self.stdout.write(name)
            return
        try:
            now = clock.parse_instant(at) if at else clock.now()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        unknown = sorted(set(names or ()) - set(known))
        if unknown:
            raise CommandError(
                f"unknown job(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        for name in names or sorted(known):
            result = periodic.run(name, now)
            self.stdout.write(f"{name} @ {now.isoformat()}: {result}")
