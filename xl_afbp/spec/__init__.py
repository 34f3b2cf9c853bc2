"""The declarative spec of an AFBP form edition: model, loader, lint."""

from .errors import Code, SpecError, SpecIssue
from .load import available_editions, lint_path, load_spec
from .model import Spec

__all__ = ["Code", "Spec", "SpecError", "SpecIssue", "available_editions", "lint_path", "load_spec"]
