from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReaderBridgeConfig(AppConfig):
    name = "reader_bridge"
    verbose_name = _("Card readers")

    def ready(self) -> None:
        from cards.hooks import offer_actions_elsewhere, register_transition_hook

        from .new_card import replacement_read_refusal

        # An extension is written to the chip: the card page's reader panel starts it.
        offer_actions_elsewhere("extend")
        register_transition_hook(replacement_read_refusal)
