"""Outgoing webhooks: secrets at rest, name resolution and the HTTP poster."""
