"""Celery: the app, the tasks, the event dispatch table and the beat schedule."""
