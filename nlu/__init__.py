"""Lotse's NLU: training data (`data/`), held-out tests (`test/`) and the custom Rasa
components (`components/`), which run in the Rasa environment (Python 3.10)."""
