"""Completing paper metadata from registries (arXiv API, Crossref/DataCite) after a save."""
