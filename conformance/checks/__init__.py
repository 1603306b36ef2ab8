"""The checks, one module per area of the contract. Importing this package registers them.

The order below is the order checks run in: authentication first, then the
path, the body and each field, behaviour, and last the checks that judge
every response of the run, and the restore of the campaign.
"""

from . import (  # noqa: F401, I001
    auth,
    campaign_id,
    body,
    campaign_name,
    phone,
    agent,
    schedule,
    concurrency,
    variables,
    behaviour,
    responses,
    fuzzing,
    sequences,
    parallel,
    restore,
)
