"""The web app: server-rendered pages over the same services and querysets as the API."""
