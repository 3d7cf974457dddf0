"""An unexpected exception inside one feed, turned into that feed's failure (never the run's).

The operator sees one line naming the file and saying what to do; the exception's own text
may quote a cell (an ID, a phone), so it goes to the log only, masked, at debug level.
"""
from __future__ import annotations

import logging
import traceback

from connectors.errors import FeedError
from shouwang.core.errors import UserError
from warehouse.crypto import DecryptError, KeyMissing
from warehouse.masking import mask_text

log = logging.getLogger(__name__)
UNEXPECTED = "unexpected_error"
# Errors about the run, not the feed (a missing key, a refused run): they stop the run.
RUN_ERRORS = (UserError, KeyMissing, DecryptError)


def unexpected(source: str, error: Exception) -> FeedError:
    """A FeedError for a bug met while reading, planning or loading ``source``; logs the traceback."""
    log.warning("%s: unexpected %s while loading this feed (traceback at debug level)",
                source, type(error).__name__)
    log.debug("%s", mask_text("".join(traceback.format_exception(error))))
    return FeedError(f"{source}: loading stopped on an unexpected {type(error).__name__}; this "
                     "is a bug; send the file to the data engineer. The other feeds are not "
                     "affected.", UNEXPECTED)


def feed_error(source: str, error: Exception) -> FeedError:
    """What a feed fails with: its FeedError, or an unexpected bug's; an error about the run
    (``RUN_ERRORS``) is raised again, since it must stop the run."""
    if isinstance(error, FeedError):
        return error
    if isinstance(error, RUN_ERRORS):
        raise error
    return unexpected(source, error)
