"""Sign-in with Ethereum (EIP-4361), bearer tokens and roles."""
