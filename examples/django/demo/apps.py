from django.apps import AppConfig
from django.conf import settings


class DemoConfig(AppConfig):
    name = "demo"

    def ready(self):
        # The tutorial's pattern: a pub/sub listener in a daemon thread, started with the app.
        if settings.NOTIFICATIONS_LISTENER:
            from . import notifications

            notifications.start_listener()
