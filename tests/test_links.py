"""Page addresses reversed once are the addresses `reverse` gives, under whatever script
prefix the request runs (a deployment under /app/) and URL configuration."""

from __future__ import annotations

from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from legitymacje.links import page_url, page_url_with

urlpatterns = [path("elsewhere/", lambda request: None, name="home")]


def test_the_address_follows_the_script_prefix_and_the_urlconf():
    assert page_url("warranty:list") == reverse("warranty:list") == "/cases/"
    try:
        set_script_prefix("/app/")
        assert page_url("warranty:list") == "/app/cases/"
        assert page_url_with("warranty:list", queue="to_assess") == "/app/cases/?queue=to_assess"
    finally:
        clear_script_prefix()
    assert page_url("warranty:list") == "/cases/"
    with override_settings(ROOT_URLCONF="tests.test_links"):
        assert page_url("home") == "/elsewhere/"
    assert page_url("home") == reverse("home")
