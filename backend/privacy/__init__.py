"""A citizen's data rights (export, erasure), retention by default, and the yearly statement."""
