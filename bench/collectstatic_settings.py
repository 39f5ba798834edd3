"""Settings for collecting static files in production mode, for the benchmark only.

``collectstatic`` with ``CompressedManifestStaticFilesStorage`` fails on the vendored minified
files (``vendor/chartjs/chart.umd.min.js``, ``vendor/bootstrap/bootstrap.bundle.min.js``, ...):
they name source maps (``sourceMappingURL``) that are not shipped. Until the product fixes that
(ship the maps or strip the comments), the bench collects with empty stand-in maps from its own
directory; the portal then runs with its real settings and the manifest this wrote.
"""

import os
import re
from pathlib import Path

from cosell.settings import *  # noqa: F403
from cosell.settings import STATICFILES_DIRS

SHIM = Path(os.environ["COSELL_VAR_DIR"]) / "static-shim"
_MAP = re.compile(rb"sourceMappingURL=([\w.\-/]+\.map)")
for static_dir in map(Path, STATICFILES_DIRS):
    for path in static_dir.rglob("*"):
        if path.suffix not in {".js", ".css"} or not path.is_file():
            continue
        for name in _MAP.findall(path.read_bytes()[-2000:]):
            missing = path.parent / name.decode()
            if not missing.exists():
                stand_in = SHIM / missing.relative_to(static_dir)
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.write_text("{}")
STATICFILES_DIRS = [*STATICFILES_DIRS, SHIM]
