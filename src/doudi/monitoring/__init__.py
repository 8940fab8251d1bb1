"""Dynamic monitoring (动态监测): alert rules over the registry, enrolments and department feeds,
and the alerts worked to an end (rules.md §8)."""
