"""Logs, metrics and error reporting, for the API, the workers and the CLI alike."""
