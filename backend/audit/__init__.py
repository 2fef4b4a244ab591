"""The audit trail: every operator decision, append-only (who, when, what), and the four-eyes rule
for large SEPA files."""
