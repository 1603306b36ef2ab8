"""Contract and conformance suite for PATCH /v1/campaigns/{campaignId} (Update Campaign)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
