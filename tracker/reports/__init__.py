"""Statistics, the annual report figures and exports."""
