"""Publishing: township verification lists and the county digest."""
from screening.publish.publisher import digest_file_names, publish_period

__all__ = ["publish_period", "digest_file_names"]
