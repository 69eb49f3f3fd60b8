"""The WSGI entry point for gunicorn: `gunicorn travellr.wsgi:app`."""

from travellr.app import create_app
from travellr.workers.celery_app import attach

app = create_app()
attach(app)
