"""A client library for accessing pyannoteAI API (identify contract)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
