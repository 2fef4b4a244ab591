"""People: operators (the city's staff) and the account views of any address."""
