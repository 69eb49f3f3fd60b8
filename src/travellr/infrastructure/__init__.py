"""Adapters: the database, payment providers, cache, security and shared state."""
