"""Picked up by a bare `gunicorn travellr.wsgi:app` run from here: the packaged settings."""

from travellr.gunicorn_conf import *  # noqa: F403 - gunicorn reads settings as module globals
