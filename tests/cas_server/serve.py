"""python -m tests.cas_server.serve PORT: migrate the throwaway database, accept every
service on this machine, release all attributes, serve until stopped."""

import os
import sys

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.cas_server.settings"


def main(port: int) -> None:
    django.setup()
    from cas_server.models import ReplaceAttributName, ServicePattern

    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    pattern, _ = ServicePattern.objects.get_or_create(name="tests", defaults={
        "pos": 0, "pattern": r"^https?://(testserver|127\.0\.0\.1|localhost)(:\d+)?/"})
    ReplaceAttributName.objects.get_or_create(name="*", replace="", service_pattern=pattern)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
