"""Custom Rasa 3.6 graph components named in config.yml (they run in the Rasa environment)."""
