"""Redistribution to households referred by social services (pseudonymous by design)."""
