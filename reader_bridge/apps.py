from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReaderBridgeConfig(AppConfig):
    name = "reader_bridge"
    verbose_name = _("Card readers")

    def ready(self) -> None:
        from cards.hooks import offer_actions_elsewhere

        # An extension is written to the chip: the card page's reader panel starts it.
        offer_actions_elsewhere("extend")
