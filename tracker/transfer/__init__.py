"""Moving a town from one install into another: export, import, checked by counts and checksums."""
