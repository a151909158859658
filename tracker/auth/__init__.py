"""Users, roles, units, login and the one permission function."""
