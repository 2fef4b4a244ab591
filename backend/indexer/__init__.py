"""The indexer: confirmed coin events from the chain into the database (chain -> database)."""
