"""Payment requests (issue 12): the till asks for an amount, the citizen's phone pays exactly that
request, at most once."""
