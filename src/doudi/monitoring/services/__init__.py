"""Writes of monitoring: running the rules (``run``), and working alerts to an end (``alerts``)."""
