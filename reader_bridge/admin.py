from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cards import chip
from cards.forms import CertificateUploadForm
from cards.read_only_admin import ReadOnlyAdmin

from .models import (
    CardRead,
    ChipWriteJob,
    EnrolmentCode,
    ExtensionRefusal,
    ExtensionSession,
    ReaderDevice,
    ReadRequest,
    TrustedCertificate,
)
from .services import device_revoke, enrolment_code_create, trusted_certificate_fields


@admin.register(ReaderDevice)
class ReaderDeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "for_ssos", "enrolled_at", "last_seen_at", "revoked_at"]
    list_filter = ["unit", "for_ssos", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "public_key_pem", "enrolled_at", "last_seen_at", "revoked_at"]
    fields = ["id", "name", "unit", "for_ssos", "public_key_pem", "enrolled_at", "last_seen_at",
              "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # devices enrol themselves with a code

    @admin.action(description=_("Revoke the selected readers"))
    def revoke(self, request, queryset):
        devices = list(queryset.filter(revoked_at__isnull=True))
        for device in devices:
            device_revoke(device=device)
        self.message_user(request, ngettext("%(n)d reader revoked.", "%(n)d readers revoked.",
                                            len(devices)) % {"n": len(devices)})


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "unit", "for_ssos", "created_by", "created_at", "expires_at",
                    "used_at", "device"]
    list_filter = ["unit", "for_ssos"]
    readonly_fields = ["code", "created_by", "created_at", "expires_at", "used_at", "device"]
    actions = ["new_code_for_same_unit"]

    def get_fields(self, request, obj=None):
        owner = ["unit", "for_ssos"]
        return owner if obj is None else ["code", *owner, *self.readonly_fields[1:]]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = enrolment_code_create(unit=form.cleaned_data["unit"],
                                        for_ssos=form.cleaned_data["for_ssos"],
                                        created_by=request.user)
        obj.pk = created.pk
        obj.code = created.code
        self.message_user(request, _("Enrolment code %(code)s: run `legitymacje-reader enrol "
                                     "--server URL --code %(code)s` within 24 hours.")
                          % {"code": created.code}, messages.SUCCESS)

    @admin.action(description=_("Create a new code for the same unit"))
    def new_code_for_same_unit(self, request, queryset):
        for unit_id, for_ssos in set(queryset.values_list("unit_id", "for_ssos")):
            code = enrolment_code_create(unit=queryset.filter(unit_id=unit_id)[0].unit
                                         if unit_id else None,
                                         for_ssos=for_ssos, created_by=request.user)
            self.message_user(request, _("New enrolment code %(code)s.") % {"code": code.code})


class TrustedCertificateForm(CertificateUploadForm, forms.ModelForm):

    class Meta:
        model = TrustedCertificate
        fields = ["name", "usage", "active", "upload", "certificate_pem"]

    def clean(self):
        cleaned = super().clean()
        data = self.certificate_data(cleaned)
        try:
            self.certificate_fields = trusted_certificate_fields(data)
        except chip.ChipFileError as exc:
            raise forms.ValidationError(_("Not a certificate: %(error)s")
                                        % {"error": exc.message}) from exc
        duplicate = TrustedCertificate.objects.filter(sha256=self.certificate_fields["sha256"])
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise forms.ValidationError(_("This certificate is already in the list."))
        return cleaned

    def save(self, commit=True):
        for name, value in self.certificate_fields.items():
            setattr(self.instance, name, value)
        return super().save(commit=commit)


@admin.register(TrustedCertificate)
class TrustedCertificateAdmin(admin.ModelAdmin):
    form = TrustedCertificateForm
    list_display = ["name", "usage", "subject", "not_before", "not_after", "active"]
    list_filter = ["usage", "active"]
    readonly_fields = ["subject", "issuer", "serial_number", "not_before", "not_after", "sha256",
                       "added_at"]


@admin.register(CardRead)
class CardReadAdmin(ReadOnlyAdmin):
    list_display = ["pk", "device", "read_at", "received_at", "outcome", "diagnosis", "card",
                    "state"]
    list_filter = ["diagnosis", "outcome", "state"]
    list_select_related = ["device__unit", "card"]
    search_fields = ["message_id", "card__number", "card__chip_serial"]
    date_hierarchy = "received_at"
    # The raw message and chip files carry the full PESEL: never shown, purged by retention.
    exclude = ["body", "els_file", "cert_file"]


@admin.register(ReadRequest)
class ReadRequestAdmin(admin.ModelAdmin):
    list_display = ["device", "card", "case_id", "requested_by", "requested_at", "fulfilled_at"]
    list_select_related = ["device__unit", "card", "requested_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExtensionSession)
class ExtensionSessionAdmin(ReadOnlyAdmin):
    list_display = ["device", "card", "started_by", "started_at", "expires_at", "ended_at"]
    list_select_related = ["device__unit", "card", "started_by"]
    date_hierarchy = "started_at"


@admin.register(ChipWriteJob)
class ChipWriteJobAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "card", "device", "state", "attempts", "created_at",
                    "finished_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["device__unit", "card"]
    search_fields = ["card__number", "card__chip_serial", "id"]
    date_hierarchy = "created_at"
    # The chip files and the content carry the full PESEL: never shown.
    exclude = ["old_file", "new_file", "content"]


@admin.register(ExtensionRefusal)
class ExtensionRefusalAdmin(ReadOnlyAdmin):
    list_display = ["at", "card", "session", "extension_error", "case_id"]
    list_select_related = ["card", "session__device"]
    date_hierarchy = "at"
