"""Training code for the bundled models: ``python -m explainer.train <name>``."""
