"""Working-day calendar, the rule set, and what is due."""
