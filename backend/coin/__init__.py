"""Operating the coin itself: roles, pause, mint limit, transfers, the Safe, key rotation."""
