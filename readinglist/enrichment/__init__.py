"""Authoritative paper metadata from registries, fetched on the worker after a save.

One client per registry (`arxiv`, `crossref` with its DataCite fallback, `openreview`, `acl`,
`pubmed`, `openlibrary`), each exposing ``lookup(key, *, get=fetch) -> RegistryRecord | None``:
None when the registry says it does not know the identifier, `FetchError` when it did not
answer usefully (the worker tries again later). `worker` asks them and applies what they say.
"""
