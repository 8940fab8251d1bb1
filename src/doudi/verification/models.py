"""Models of verification."""
