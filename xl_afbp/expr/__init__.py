"""The spec's expression language: parser, Excel renderer and Python evaluator."""
