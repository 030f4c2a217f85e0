import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
application = get_wsgi_application()
# Everything loaded so far (Django, the apps, their modules) lives as long as the process. Moved
# out of the collector's sight, it is no longer walked by every full collection, which a request
# that builds many objects (a bulk upload) otherwise triggers several times: a quarter of the
# time of an ingestion request, measured in bench/ingest.py.
gc.freeze()
