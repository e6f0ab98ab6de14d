"""Django admin for the signing-certificate registry.

A certificate is added by uploading it (subject, serial, validity come from it) and is
never edited afterwards: a wrong entry is revoked and registered again. Both go through
`cards.signing_certificates`, which also holds the refusal shown on the form.
"""

from __future__ import annotations

from cryptography import x509

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import chip
from .errors import ActionRefused
from .forms import CertificateUploadForm
from .models import CardKind, SigningCertificate
from .signing_certificates import (
    certificate_fields,
    certificate_register,
    certificate_revoke,
    registration_refusal,
)


def _usable_now() -> QuerySet[SigningCertificate]:
    return SigningCertificate.objects.usable_at(timezone.now())


class UsableCertificateFilter(admin.SimpleListFilter):
    title = _("usable now")
    parameter_name = "usable"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        usable = _usable_now().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=usable)
        if self.value() == "no":
            return queryset.exclude(pk__in=usable)
        return queryset


class SigningCertificateForm(CertificateUploadForm, forms.ModelForm):
    card_kinds = forms.MultipleChoiceField(label=_("card kinds"), choices=CardKind.choices,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = SigningCertificate
        fields = ["unit", "upload", "certificate_pem", "card_kinds", "key_location",
                  "token_label", "key_label", "key_id"]

    def clean(self):
        cleaned = super().clean()
        data = self.uploaded = self.certificate_data(cleaned)
        try:
            fields = certificate_fields(data)
        except ActionRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        refusal = registration_refusal(
            chip.load_certificate(data), cleaned.get("card_kinds") or [],
            cleaned.get("key_location") or "", cleaned.get("key_label") or "",
            cleaned.get("key_id") or "")
        if refusal:
            raise forms.ValidationError(refusal)
        unit = cleaned.get("unit")
        if unit and SigningCertificate.objects.filter(
                unit=unit, serial_number=fields["serial_number"]).exists():
            raise forms.ValidationError(_("This certificate is already registered for "
                                          "%(unit)s.") % {"unit": unit.name})
        return cleaned


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    form = SigningCertificateForm
    list_display = ["common_name", "unit", "kinds", "key_location", "is_eseal", "valid_until",
                    "revoked_at", "usable"]
    list_filter = ["unit", "key_location", UsableCertificateFilter]
    list_select_related = ["unit"]
    search_fields = ["subject_name", "serial_number"]
    actions = ["revoke"]

    def get_queryset(self, request):
        usable = _usable_now().filter(pk=OuterRef("pk"))
        return super().get_queryset(request).annotate(is_usable=Exists(usable))

    @admin.display(description=_("common name (CN)"), ordering="subject_name")
    def common_name(self, certificate: SigningCertificate) -> str:
        try:
            cert = chip.load_certificate(certificate.certificate_pem.encode())
        except chip.ChipFileError:
            return certificate.subject_name
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return ", ".join(str(name.value) for name in names) or certificate.subject_name

    @admin.display(description=_("card kinds"))
    def kinds(self, certificate: SigningCertificate) -> str:
        return ", ".join(certificate.card_kinds)

    @admin.display(description=_("usable now"), boolean=True, ordering="is_usable")
    def usable(self, certificate: SigningCertificate) -> bool:
        return certificate.is_usable

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # revoke and register again instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the history of what signed which card keeps it

    def get_fields(self, request, obj=None):
        if obj is None:
            return super().get_fields(request, obj)
        return [field.name for field in SigningCertificate._meta.fields if field.name != "id"]

    def save_form(self, request, form, change):
        """Adding registers through the service; an entry is never changed here."""
        data = form.cleaned_data
        return certificate_register(
            unit=data["unit"], data=form.uploaded, card_kinds=data["card_kinds"],
            key_location=data["key_location"], token_label=data.get("token_label", ""),
            key_label=data.get("key_label", ""), key_id=data.get("key_id", ""))

    def save_model(self, request, obj, form, change) -> None:
        pass  # saved by save_form

    def save_related(self, request, form, formsets, change) -> None:
        pass

    @admin.action(description=_("Revoke the selected certificates"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[SigningCertificate]) -> None:
        reason = _("revoked in the admin by %(user)s") % {"user": request.user.get_username()}
        count = 0
        for certificate in queryset.filter(revoked_at__isnull=True):
            certificate_revoke(certificate, reason=str(reason))
            count += 1
        self.message_user(request, ngettext("%(n)d certificate revoked.",
                                            "%(n)d certificates revoked.", count) % {"n": count},
                          messages.SUCCESS)
