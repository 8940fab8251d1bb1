"""doudi (兜底): the tiered social-assistance platform of a civil-affairs bureau."""
