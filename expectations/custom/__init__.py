"""Shouwang's own Great Expectations expectations; importing this registers them with GX."""
from expectations.custom.iso_date import ExpectColumnValuesToBeIsoDatesBetween
from expectations.custom.resident_id import ExpectColumnValuesToBeValidResidentId

__all__ = ["ExpectColumnValuesToBeIsoDatesBetween", "ExpectColumnValuesToBeValidResidentId"]
