"""Pure-Python business rules: entities, value objects, policies, events and errors."""
