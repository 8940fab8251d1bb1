"""Social-assistance policy: the pure calculation engine lives in ``engine``."""
