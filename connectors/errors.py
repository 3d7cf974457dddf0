"""The one exception a whole feed fails with."""
from __future__ import annotations


class FeedError(Exception):
    """A feed that cannot be loaded at all; the message names the file and column and the fix.

    ``reason`` is a short code (``missing_column``, ``wrong_department``, ``empty_file`` …)
    stored with the failed batch.
    """

    def __init__(self, message: str, reason: str = "feed_error"):
        super().__init__(message)
        self.reason = reason
