import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
application = get_wsgi_application()
# The process charts are computed with numpy; loaded here, it is frozen with the rest below
# instead of being walked by the collector for the life of the worker.
import numpy  # noqa: E402, F401

# Everything loaded so far (Django, the apps, their modules) lives as long as the process. Moved
# out of the collector's sight, it is no longer walked by every full collection, which a request
# that builds many objects (a bulk upload) otherwise triggers several times: a quarter of the
# time of an ingestion request, measured in bench/ingest.py.
gc.freeze()
# With the long-lived objects frozen, the collector counts few of them as "long lived", so its
# rule for a full collection (a quarter more than that count) fired every ten young collections:
# every few requests at size, each walking the request's own objects too (35-50 ms, the p95 of
# the board and the API lists). A full collection after a hundred young ones instead; young
# collections (where request garbage goes) are unchanged. Measured in docs/scaling.md.
gc.set_threshold(700, 10, 100)
