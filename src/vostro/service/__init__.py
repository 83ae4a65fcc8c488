"""The vostro service: the HTTP API, its single writer, authentication and the dashboard."""
