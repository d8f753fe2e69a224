"""The chain from bin to household: balance per hop and traceability both ways."""
