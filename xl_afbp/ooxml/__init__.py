"""OOXML helpers shared by every writer and the reader of workbooks: cell XML and the
characters XML cannot hold (:mod:`.cells`), sheet parts of a package (:mod:`.parts`) and
zip copying that reuses compressed members (:mod:`.zipcopy`). No openpyxl here: these work
on the package's bytes, which is what makes the template fast path, the summary writer
and the reader fast."""
