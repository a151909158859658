"""The rule set (time limits, settings, the conclusion list) and the working-day calendar: kernel, knows no domain."""
