"""The reports domain."""
