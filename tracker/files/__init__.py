"""Files on disk: storage under generated names, and upload checks by content (kernel: knows no domain)."""
