"""The WSGI entry point for gunicorn: `gunicorn travellr.wsgi:app`."""

from travellr.app import create_app

app = create_app()
