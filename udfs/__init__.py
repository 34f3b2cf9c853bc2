"""The xlwings UDF module ``afbp_udfs`` (functions live in ``udfs/afbp_udfs.py``)."""
