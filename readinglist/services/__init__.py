"""Writes. Every function here is keyword-only, typed, and runs inside `transaction.atomic`."""
