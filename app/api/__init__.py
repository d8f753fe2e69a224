"""JSON API (``/api/v1``) for drivers' apps and sensors, with an OpenAPI description."""
