from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from legitymacje.tokens import create_token


class Command(BaseCommand):
    help = ("Creates an API token for USER and prints it once (only its hash is stored; it "
            "expires after API_TOKEN_DAYS and is revoked when the user's password changes).")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.")
        self.stdout.write(create_token(user))
