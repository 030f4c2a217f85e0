"""vega-embed for the browser, built from vl-convert's bundle: no page loads a CDN."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings

# What the page scripts use: the three libraries as globals.
GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"


@lru_cache(maxsize=1)
def vega_bundle() -> tuple[bytes, str]:
    """The bundle's bytes and a short content hash for cache-busting URLs.

    Building it takes about a second and a half, so it is written once to the data folder and
    read from there by every later process.
    """
    import vl_convert

    version = getattr(vl_convert, "__version__", "0")
    path = Path(settings.DATA_DIR) / "vendor" / f"vega-embed-{version}.js"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(vl_convert.javascript_bundle(GLOBALS))
        tmp.replace(path)  # atomic: a second worker never reads half a file
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]
