from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "headway.orgs"
    label = "orgs"
    verbose_name = "Organizations and people"
