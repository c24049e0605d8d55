"""The web service: a token-protected REST API and a read-only dashboard over one workspace.

:func:`cibwatch.web.app.create_app` builds the FastAPI application; ``cibwatch serve`` runs it.
"""
