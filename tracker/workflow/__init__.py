"""The document lifecycle: states, the one transition table and the one apply()."""
