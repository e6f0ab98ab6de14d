"""The holder's status lookup without login, the intake receipt, photo attachments."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cards.errors import ActionForbidden, ActionNotPossible, ActionRefused
from tests.warranty.helpers import act, open_case
from warranty.lookup import case_status_lookup
from warranty.models import Attachment
from warranty.receipts import intake_receipt_pdf
from warranty.services import case_attachment_add

pytestmark = pytest.mark.django_db
URL = "/cases/status/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def case(card, deans_office, ssos):
    case = open_case(card, "fault", deans_office)
    return act(case, "receive_card", ssos)


def test_lookup_shows_status_and_plain_timeline_only(case, client):
    response = client.post(URL, {"number": case.number.lower(), "album_number": "123456"})
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page
    assert "SSOS" in page  # plain-language status text
    for secret in (case.holder.last_name, case.card.number, case.holder.pesel, "ssos"):
        assert secret not in page.replace("SSOS", "")
    assert len(response.context["result"].timeline) == 2


def test_wrong_album_number_reveals_nothing(case, client):
    response = client.post(URL, {"number": case.number, "album_number": "999999"})
    assert response.context["result"] is None
    other = client.post(URL, {"number": "ELS/2000/00001", "album_number": "123456"})
    assert other.context["result"] is None


def test_a_guesser_cannot_lock_the_holder_out_of_their_case(case, client, settings):
    settings.WARRANTY_LOOKUP_LIMITS = {"per_ip": 3, "per_device": 3}
    for attempt in range(30):  # someone else guessing album numbers from many addresses
        case_status_lookup(number=case.number, album_number=str(attempt),
                           client_ip=f"10.0.{attempt // 3}.1")

    response = client.post(URL, {"number": case.number, "album_number": "123456"})

    assert response.status_code == 200 and response.context["result"].number == case.number


def test_lookup_is_rate_limited_per_browser_across_addresses(case, client, settings):
    settings.WARRANTY_LOOKUP_LIMITS = {"per_ip": 100, "per_device": 2}
    client.get(URL)  # the page gives the browser its own id
    for attempt in range(2):
        client.post(URL, {"number": case.number, "album_number": str(attempt)},
                    REMOTE_ADDR=f"10.0.0.{attempt}")

    response = client.post(URL, {"number": case.number, "album_number": "123456"},
                           REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 429


def test_an_academic_teacher_looks_up_with_the_staff_number(client, deans_office, unit):
    from tests.factories import CardFactory, HolderFactory

    teacher = HolderFactory(album_number="", employee_number="P-1234", first_name="Ewa")
    case = open_case(CardFactory(serving_unit=unit, holder=teacher, kind="ELN"), "fault",
                     deans_office)

    response = client.post(URL, {"number": case.number, "album_number": "P-1234"})

    assert response.context["result"].number == case.number
    assert "numer pracownika" in client.get(URL).content.decode().lower()


def test_lookup_is_rate_limited_per_address(case, client, settings):
    settings.WARRANTY_LOOKUP_LIMITS = {"per_device": 100, "per_ip": 2}
    for number in ("A", "B"):
        assert client.post(URL, {"number": number, "album_number": "1"}).status_code == 200
    response = client.post(URL, {"number": case.number, "album_number": "123456"})
    assert response.status_code == 429
    assert response.context.get("result") is None
    assert case.number not in response.content.decode().split("form")[-1]


def test_lookup_form_needs_the_csrf_token(case):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"number": case.number, "album_number": "123456"})
    assert response.status_code == 403
    page = client.get(URL)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()


def test_receipt_pdf_for_the_holder_and_staff(case, client, holder_user, other_deans_office):
    pdf = intake_receipt_pdf(case)
    assert pdf.startswith(b"%PDF")
    client.force_login(holder_user)
    response = client.get(reverse("warranty:receipt", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(other_deans_office)
    assert client.get(reverse("warranty:receipt", args=[case.pk])).status_code == 404


def test_no_receipt_before_intake(card, deans_office):
    case = open_case(card, "fault", deans_office)
    with pytest.raises(ActionNotPossible):
        intake_receipt_pdf(case)


def _photo(fmt: str = "JPEG", size: tuple[int, int] = (20, 20)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format=fmt)
    return SimpleUploadedFile(f"card.{fmt.lower()}", buffer.getvalue())


def test_photo_attachment_is_checked(case, ssos, settings):
    attachment = case_attachment_add(case_id=case.pk, actor=ssos, upload=_photo(),
                                     description="rewers")
    assert attachment.content_type == "image/jpeg" and attachment.size > 0
    with pytest.raises(ActionRefused):
        case_attachment_add(case_id=case.pk, actor=ssos,
                            upload=SimpleUploadedFile("card.jpg", b"#!/bin/sh\necho hi"))
    with pytest.raises(ActionRefused):
        case_attachment_add(case_id=case.pk, actor=ssos, upload=_photo("GIF"))
    settings.WARRANTY_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ActionRefused):
        case_attachment_add(case_id=case.pk, actor=ssos, upload=_photo(size=(400, 400)))
    assert Attachment.objects.count() == 1


def test_holder_cannot_attach(case, holder_user):
    with pytest.raises(ActionForbidden):
        case_attachment_add(case_id=case.pk, actor=holder_user, upload=_photo())


@pytest.mark.redis
def test_rate_limit_counts_in_redis_too(settings):
    import os

    from django.core.cache import caches

    from warranty import ratelimit

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"],
                                   "KEY_PREFIX": "legit-test-warranty"}}
    assert type(caches["default"]).__name__ == "RedisCache"
    redis = caches["default"]
    redis.delete_many(["ratelimit:redis-ip", "ratelimit:redis-device"])
    try:
        results = [ratelimit.hit({"redis-ip": 3, "redis-device": 2}, window_seconds=30)
                   for _ in range(4)]
        counted = [redis.get("ratelimit:redis-ip"), redis.get("ratelimit:redis-device")]
        window = redis._cache.get_client().ttl(redis.make_key("ratelimit:redis-device"))
    finally:
        redis.delete_many(["ratelimit:redis-ip", "ratelimit:redis-device"])
    # one round trip counts both keys; the stricter one refuses first
    assert results == [True, True, False, False]
    assert counted == [4, 4] and 0 < window <= 30
