"""A large export that runs in the background and is kept for a while for its owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportJob(models.Model):
    """One requested export. Queued rows double as the outbox: a periodic task re-sends
    those whose message never reached a worker."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="export_jobs", verbose_name=_("owner"))
    dataset = models.CharField(_("data"), max_length=40)
    file_format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("last sent to a worker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "enqueued_at"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.dataset}.{self.file_format} #{self.pk} ({self.status})"

    @property
    def dataset_title(self) -> str:
        from .datasets import DATASETS

        dataset = DATASETS.get(self.dataset)
        return str(dataset.title) if dataset else self.dataset

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)


class CardEventDay(models.Model):
    """Card history entries counted per local day, unit, card kind, action and detail
    (invalidation ground or replacement reason). Rebuilt from cards.CardEvent by
    reports.rollups, so monthly reports over millions of entries read a few thousand rows."""

    day = models.DateField(_("day"))
    unit = models.ForeignKey("cards.Unit", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("unit"))
    kind = models.CharField(_("card kind"), max_length=3)
    action = models.CharField(_("action"), max_length=40)
    detail = models.CharField(_("detail"), max_length=40, blank=True)
    events = models.PositiveIntegerField(_("entries"))

    class Meta:
        verbose_name = _("card history per day")
        verbose_name_plural = _("card history per day")
        constraints = [
            models.UniqueConstraint(fields=["action", "day", "unit", "kind", "detail"],
                                    name="card_event_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.action} {self.kind}: {self.events}"


class RollupRefresh(models.Model):
    """When a rollup was last brought up to date."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("rollup refresh")
        verbose_name_plural = _("rollup refreshes")

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
