"""The ports of the application: what the use cases need, which infrastructure implements."""
