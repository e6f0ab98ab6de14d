"""Who looked at or exported which holder, card, case or file: append-only, in the database.

The app sits below the others and knows none of them: an entry names its subject by a
short word and an id, so recording costs one INSERT and no lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class Channel(models.TextChoices):
    PAGE = "page", _("web page")
    API = "api", _("API")
    ADMIN = "admin", _("admin")
    EXPORT = "export", _("export or file")


class AccessEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("who"),
    )
    username = models.CharField(_("who (as recorded)"), max_length=150)
    subject = models.CharField(_("what"), max_length=40)
    object_id = models.CharField(_("which"), max_length=64, blank=True)
    channel = models.CharField(_("through"), max_length=10, choices=Channel.choices)
    path = models.CharField(_("address"), max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["subject", "object_id", "at"]),
            models.Index(fields=["at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.subject} {self.object_id} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("access log entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("access log entries cannot be deleted")
