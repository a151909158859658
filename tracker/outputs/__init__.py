"""Word outputs (composition): download, preview and regenerate pages, the template administration, the CLI.

The engine is tracker/word (kernel); each domain's word.py builds its own output; kinds.py lists them.
"""
