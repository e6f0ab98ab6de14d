"""The REST API under /api/: every app registers its viewsets in its own api_urls."""

from django.urls import include, path

urlpatterns = [
    path("", include("cards.api_urls")),
    path("", include("warranty.api_urls")),
    path("", include("reader_bridge.api_urls")),
]
