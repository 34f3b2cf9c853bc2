"""Jinja2 templates of xl-afbp (installed as xl_afbp.templates)."""
