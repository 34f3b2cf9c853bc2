"""Workbook writers and readers (openpyxl): the form, its template fast path, helpers."""
