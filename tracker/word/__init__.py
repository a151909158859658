"""The Word engine (kernel): sandboxed docxtpl rendering, the template store, the generated-file store, text helpers.

It knows no domain: a generated file names its owner by object_type/object_id, and each domain's word.py builds
the context of its own output and calls the engine (docs/architecture.md).
"""
