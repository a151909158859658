"""Composition: the register (list, search, export, saved filters) and the document page with every panel."""
