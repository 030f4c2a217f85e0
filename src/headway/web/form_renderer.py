"""The form renderer: Django's own widget templates drawn by Jinja2, every other one as usual.

Django's template engine draws a widget through three templates (the widget's, the input it
includes, a loop over its attributes): 0.28 ms for a check-in form's three widgets. Django ships
the same widget templates for Jinja2, which compiles them to Python: 0.13 ms, the same HTML
(decision 0008). Only ``django/forms/...`` templates come from there; our own widget templates
and the admin's stay Django templates, and may include Django's (the usual renderer's engine
finds both).
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2

DJANGO_FORMS = "django/forms/"


class WidgetsByJinja2(BaseRenderer):
    def __init__(self) -> None:
        self.fast = Jinja2()
        self.usual = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith(DJANGO_FORMS):
            return self.fast.get_template(template_name)
        return self.usual.get_template(template_name)
