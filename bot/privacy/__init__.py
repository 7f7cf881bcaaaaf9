"""The user's own data: a copy of everything stored about them, and its deletion."""
