"""The checks, one module per area of the contract. Importing this package registers them."""

from . import (  # noqa: F401
    auth,
    campaign_id,
    body,
    responses,
    campaign_name,
    schedule,
    phone,
    agent,
    behaviour,
    concurrency,
    variables,
    fuzzing,
)
