from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from readinglist.demo import load_listing
from readinglist.models import User
from readinglist.services.accounts import create_user

DEFAULT_LISTING = settings.BASE_DIR.parent / "shared" / "fixtures" / "hf-papers-listing.txt"


class Command(BaseCommand):
    help = "Load the Hugging Face papers listing into a demo user's library (safe to re-run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="demo@example.org")
        parser.add_argument("--password", default="demo-password-change-me")
        parser.add_argument("--file", type=Path, default=DEFAULT_LISTING)

    def handle(self, *args: Any, email: str, password: str, file: Path, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"listing not found: {file} (pass --file PATH)")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = create_user(email=email, password=password, name="Demo")
            self._verify_email(user)
            self.stdout.write(f"created user {email} with password {password!r}")
        created, existing = load_listing(user=user, path=file)
        self.stdout.write(
            self.style.SUCCESS(f"{created} papers added, {existing} already in the library")
        )

    def _verify_email(self, user: User) -> None:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
