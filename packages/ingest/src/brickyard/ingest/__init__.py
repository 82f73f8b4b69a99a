"""Read raw datasets into contract-validated tables."""
