from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantyConfig(AppConfig):
    name = "warranty"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cards.hooks import offer_actions_elsewhere, register_transition_hook

        from .card_hooks import on_card_transition

        register_transition_hook(on_card_transition)
        # Each of these starts or ends a case: the card page links to the case forms.
        offer_actions_elsewhere("report_faulty", "mark_damaged", "report_lost",
                                "decide_invalidation", "replace", "invalidate_forged")
