from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "headway.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from headway.web import security  # noqa: F401 - registers the deploy checks
