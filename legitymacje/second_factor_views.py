"""The staff second factor: enrol an authenticator app, then confirm each login with it."""

from __future__ import annotations

from base64 import b32encode

import segno
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import second_factor


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Code from the authenticator app"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": gettext_lazy("Enter the six digits the app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}))


def _next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _confirmed(request, device) -> object:
    otp_login(request, device)
    second_factor.settle(request)
    return redirect(_next_page(request))


@login_required
def enrol(request):
    if not second_factor.owes_second_factor(request.user):
        raise Http404
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        messages.info(request, _("Your second factor is already set up."))
        return redirect("otp-verify" if second_factor.pending_step(request) else "home")
    device = (TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
              or TOTPDevice.objects.create(user=request.user, confirmed=False,
                                           name=_("Authenticator app")))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            messages.success(request, _("The second factor is set up. From now on, confirm "
                                        "each login with a code from the app."))
            return _confirmed(request, device)
        form.add_error("code", _("This code is not right. Check the clock of your phone "
                                 "and try the next code."))
    return render(request, "registration/otp_enrol.html", {
        "form": form, "next": _next_page(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, omitsize=True),
        "secret": b32encode(device.bin_key).decode(),
    }, status=400 if form.is_bound else 200)


@login_required
def verify(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        raise Http404
    form = CodeForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"].strip()
        for device in devices:
            if device.verify_token(code):
                return _confirmed(request, device)
        form.add_error("code", _("This code is not right, or too many wrong codes were "
                                 "entered: wait a moment and enter the current code."))
    return render(request, "registration/otp_verify.html",
                  {"form": form, "next": _next_page(request)},
                  status=400 if form.is_bound else 200)
