from django.apps import AppConfig


class LegitymacjeConfig(AppConfig):
    name = "legitymacje"
    verbose_name = "Legitymacje"

    def ready(self):
        from . import checks, middleware, second_factor, tokens  # noqa: F401  (their receivers)
