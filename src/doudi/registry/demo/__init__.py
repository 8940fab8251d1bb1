"""Synthetic demo data: ``generator`` (numpy/pyarrow) and ``loader`` (database writes)."""
