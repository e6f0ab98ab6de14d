"""Admin: enrolment codes, revoking readers, uploading trusted certificates, read-only reads."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cards.chip_testing import shared_test_pki
from reader_bridge.models import EnrolmentCode, TrustedCertificate

from .factories import ReaderDeviceFactory

pytestmark = pytest.mark.django_db


def test_admin_creates_an_enrolment_code_by_picking_a_unit(client, admin_user, unit):
    client.force_login(admin_user)

    response = client.post(reverse("admin:reader_bridge_enrolmentcode_add"), {"unit": unit.pk})

    assert response.status_code == 302
    code = EnrolmentCode.objects.get()
    assert (code.unit, code.created_by, code.used_at) == (unit, admin_user, None)


def test_revoke_action(client, admin_user, unit):
    device = ReaderDeviceFactory(unit=unit)
    client.force_login(admin_user)

    client.post(reverse("admin:reader_bridge_readerdevice_changelist"),
                {"action": "revoke", "_selected_action": [str(device.pk)]})

    device.refresh_from_db()
    assert device.revoked_at is not None


@pytest.mark.parametrize("encoding", [Encoding.DER, Encoding.PEM])
def test_upload_a_trusted_certificate_shows_its_subject_and_validity(client, admin_user,
                                                                     encoding):
    ca = shared_test_pki().ca_cert
    client.force_login(admin_user)

    response = client.post(reverse("admin:reader_bridge_trustedcertificate_add"), {
        "name": "CA", "usage": "authority", "active": "on",
        "upload": SimpleUploadedFile("ca.cer", ca.public_bytes(encoding)),
    })

    assert response.status_code == 302
    stored = TrustedCertificate.objects.get()
    assert "Testowe CA legitymacji" in stored.subject
    assert stored.not_after == ca.not_valid_after_utc
    listing = client.get(reverse("admin:reader_bridge_trustedcertificate_changelist"))
    assert "Testowe CA legitymacji" in listing.content.decode()


def test_garbage_certificate_upload_is_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("admin:reader_bridge_trustedcertificate_add"), {
        "name": "x", "usage": "authority", "upload": SimpleUploadedFile("x.cer", b"garbage")})

    assert response.status_code == 200
    assert not TrustedCertificate.objects.exists()


def test_reads_are_read_only_in_the_admin(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("admin:reader_bridge_cardread_changelist")).status_code == 200
    assert client.get("/admin/reader_bridge/cardread/add/").status_code == 403


def test_chip_jobs_are_listed_read_only_without_their_files(client, admin_user, card):
    import datetime as dt

    from django.utils import timezone

    from reader_bridge.models import ChipWriteJob, JobKind

    device = ReaderDeviceFactory(unit=card.serving_unit)
    job = ChipWriteJob.objects.create(kind=JobKind.WRITE_ELS, device=device, card=card,
                                      chip_serial=card.chip_serial, old_file=b"PESEL-old",
                                      new_file=b"PESEL-new",
                                      expires_at=timezone.now() + dt.timedelta(minutes=2))
    client.force_login(admin_user)

    listing = client.get(reverse("admin:reader_bridge_chipwritejob_changelist"))
    page = client.get(reverse("admin:reader_bridge_chipwritejob_change", args=[job.pk]))

    assert listing.status_code == page.status_code == 200
    assert card.number in listing.content.decode()
    assert "PESEL-new" not in page.content.decode() and "new_file" not in page.content.decode()
    assert client.post(reverse("admin:reader_bridge_chipwritejob_delete", args=[job.pk]),
                       {"post": "yes"}).status_code == 403
