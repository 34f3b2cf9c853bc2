"""Jobs: the I/O edge that runs a whole pipeline (files in, files and database out)."""
