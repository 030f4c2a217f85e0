"""Settings for the load test's server only: Headway's own, plus the framework floor's URL.

``DJANGO_SETTINGS_MODULE=bench.settings`` is set for the gunicorn that ``python -m bench.load``
starts; the application itself never mounts ``/bench/floor``.
"""

from headway.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
