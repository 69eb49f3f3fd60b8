"""HTTP plumbing for the resource blueprints: authentication, arguments, problems, idempotency."""
