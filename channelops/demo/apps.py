from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Holds the ``demo`` and ``run`` management commands; no models."""

    name = "channelops.demo"
    label = "demo"
    verbose_name = "Demo"
