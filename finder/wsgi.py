"""WSGI entry point: gunicorn finder.wsgi."""

import os

from django.core.wsgi import get_wsgi_application

from clusters import postcodes

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finder.settings")

application = get_wsgi_application()

# Read the postcode directory now (about 2 s and 45 MB, once) rather than a letter at a
# time on the searches that first need each (0.1 to 0.3 s each). Under gunicorn's
# --preload this happens once, before the workers fork, and they share it.
postcodes.load_all()
