"""Word output: context building, docxtpl rendering, stored generated documents and templates."""
