"""HTTP: one blueprint per resource, its Marshmallow schemas and problem responses."""
