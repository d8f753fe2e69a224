"""Pages without login: where to give clothes, a bin's public page and reports, the month's public numbers."""
