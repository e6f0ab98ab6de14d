from django.apps import AppConfig


class LegitymacjeConfig(AppConfig):
    name = "legitymacje"
    verbose_name = "Legitymacje"
