"""Case photos: metadata stripped before storage, oversized and bomb images refused with 400."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.warranty.helpers import open_case
from warranty.models import Attachment

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png() -> bytes:
    """69 bytes that claim 30000 × 30000 pixels."""
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    body = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 64)[:12]) + _chunk(b"IEND", b""))
    assert len(body) == 69
    return body


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 13.0, 0.0), 3: "E", 4: (21.0, 0.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jan Kowalski, PESEL 03220100006")
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def upload(client, case, content: bytes, name: str):
    return client.post(reverse("warranty:attachment-add", args=[case.pk]),
                       {"file": SimpleUploadedFile(name, content), "description": "awers"})


@pytest.fixture
def staff_case(client, ssos, deans_office, card):
    case = open_case(card, "fault", deans_office)
    client.force_login(ssos)
    return case


def test_exif_and_gps_are_gone_and_the_orientation_is_applied(client, staff_case):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    assert upload(client, staff_case, original, "card.jpg").status_code == 302

    stored = Attachment.objects.get(case=staff_case)
    with stored.file.open("rb") as f:
        kept = f.read()
    image = Image.open(io.BytesIO(kept))
    assert not image.getexif() and b"Camera Maker" not in kept
    assert image.size == (20, 40)  # turned as the camera meant, not lying on its side
    assert stored.size == len(kept)


def test_png_text_chunks_are_gone(client, staff_case):
    assert upload(client, staff_case, png_with_text(), "card.png").status_code == 302
    with Attachment.objects.get(case=staff_case).file.open("rb") as f:
        kept = f.read()
    assert b"03220100006" not in kept and b"Author" not in kept


def test_a_decompression_bomb_is_refused_with_400_and_nothing_is_stored(client, staff_case):
    response = upload(client, staff_case, bomb_png(), "card.png")
    assert response.status_code == 400
    assert "megapikseli" in response.content.decode()  # the message says what is wrong
    assert not Attachment.objects.exists()


def test_a_photo_over_the_pixel_limit_is_refused(client, staff_case, settings):
    settings.WARRANTY_PHOTO_MAX_PIXELS = 100
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, format="PNG")
    assert upload(client, staff_case, out.getvalue(), "card.png").status_code == 400
    assert not Attachment.objects.exists()
