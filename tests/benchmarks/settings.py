"""Settings for ``make bench``: the production settings (finder/settings.py, configured
by the same environment variables) with one change — collected static files go to the
benchmark's temporary directory, so a run never writes into the checkout."""

import os

from finder.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
