"""Reason codes a failing row gets, paired with the column at fault (see expectations/README.md).

ID reasons are warehouse.identity's own codes (id_blank, id_bad_checksum, ...).
"""
MISSING = "missing_value"
NOT_IN_SET = "not_in_set"
NEGATIVE_AMOUNT = "negative_amount"
AMOUNT_ABOVE_CEILING = "amount_above_ceiling"
AMOUNT_INCONSISTENT = "amount_inconsistent"
COUNT_OUT_OF_RANGE = "count_out_of_range"
DATE_OUT_OF_RANGE = "date_out_of_range"
BAD_FORMAT = "bad_format"
