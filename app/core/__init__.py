"""Shared basics of every domain: the clock, the access policy, CSV exports and strict input checks.

Nothing here imports a domain package; every domain may import from here.
"""
