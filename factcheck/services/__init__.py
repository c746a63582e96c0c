"""Domain operations: plain functions taking a Session. They validate, query and write; they never
print. Read functions return JSON-ready dicts, so the CLI renders tables and --json from the same data."""
