"""Shared test helpers: a real PostgreSQL and a live server of the app."""
