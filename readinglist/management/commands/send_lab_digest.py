"""Mail each lab's weekly digest to its members (run weekly from cron or a scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from readinglist.digest import DIGEST_DAYS, build_digest, render_digest, send_digest
from readinglist.models import Lab


class Command(BaseCommand):
    help = "Send the weekly lab digest (new entries, most read, discussions, journal club)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lab", type=int, action="append", help="Only this lab (repeatable)")
        parser.add_argument("--days", type=int, default=DIGEST_DAYS, help="Window length")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plain-text digests, send nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["days"] <= 31:
            raise CommandError("--days must be between 1 and 31")
        labs = Lab.objects.order_by("id")
        if options["lab"]:
            labs = labs.filter(pk__in=options["lab"])
            if len(labs) != len(set(options["lab"])):
                raise CommandError("No such lab.")
        now = timezone.now()
        total = 0
        for lab in labs:
            if options["dry_run"]:
                text, _ = render_digest(build_digest(lab=lab, until=now, days=options["days"]))
                self.stdout.write(text)
                continue
            sent = send_digest(lab=lab, until=now, days=options["days"])
            total += sent
            self.stdout.write(f"{lab.name}: {sent} sent")
        if not options["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"{total} digest email(s) sent"))
