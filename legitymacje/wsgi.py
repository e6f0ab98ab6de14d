import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legitymacje.settings")
django_application = get_wsgi_application()

from reader_bridge.ingest_endpoint import IngestFastPath  # noqa: E402  (needs Django set up)

application = IngestFastPath(django_application)
