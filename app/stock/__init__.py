"""Garment stock for redistribution: an append-only ledger of movements."""
