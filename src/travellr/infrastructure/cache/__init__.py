"""Cache adapters (Redis, in-process) and the keys and invalidation rules of cached reads."""
