"""Strategy pages, one module per area."""
