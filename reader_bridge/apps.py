from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReaderBridgeConfig(AppConfig):
    name = "reader_bridge"
    verbose_name = _("Card readers")
