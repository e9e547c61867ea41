"""`manage.py create_demo_users`: the demo shopper (with welcome money) and the demo staff user
for `make run`. It lives in the project package, beside `clock`, because it spans two apps
(accounts' users, wallet's money) and neither may import the other's services for it."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wallet.selectors import wallet_get_for_user
from wallet.services import wallet_deposit

DEMO_BALANCE = 200_000


class Command(BaseCommand):
    help = "Create the demo shopper and the demo staff user (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-pass-2026")
        parser.add_argument("--admin-password", default="admin-pass-2026")
        parser.add_argument(
            "--if-debug",
            action="store_true",
            help="With DEBUG off, make none and say so instead of failing (`make run`).",
        )

    def handle(self, *args, password: str, admin_password: str, if_debug: bool, **options):
        if not settings.DEBUG:
            if if_debug:
                self.stdout.write("none (DEBUG is off: production settings make no demo users)")
                return
            raise CommandError("Demo users are for development only (DEBUG is off).")
        User = get_user_model()
        demo, created = User.objects.get_or_create(
            username="demo",
            defaults={"email": "demo@example.com", "first_name": "Demo", "last_name": "Shopper"},
        )
        if created:
            demo.set_password(password)
            demo.save(update_fields=["password"])
        # The key makes the welcome money a one-off, however often `make run` starts.
        wallet_deposit(
            wallet_id=wallet_get_for_user(user=demo).pk,
            amount=DEMO_BALANCE,
            reference="Welcome money",
            idempotency_key="demo:welcome",
        )
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.com", admin_password)
        self.stdout.write(f"demo / {password}   admin / {admin_password}")
