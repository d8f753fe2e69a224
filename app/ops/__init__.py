"""Running the app in production: start-up checks, proxies, security headers, request ids, logs, health, backups."""
