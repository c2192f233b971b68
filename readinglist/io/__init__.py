"""Import and export: parsers and writers between files and neutral `Record`s.

Parsers never touch the database; `readinglist.services.imports` turns records into entries
through `save_paper`, and `readinglist.io.export` turns entries back into records.
"""
