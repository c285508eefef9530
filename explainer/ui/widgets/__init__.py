"""Reusable widgets the lessons are built from."""
