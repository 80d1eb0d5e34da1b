"""The compiled tier: code generators and fast paths behind the readable interpreters (DESIGN.md §4)."""
