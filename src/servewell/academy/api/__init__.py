"""The academy API (mounted at ``api/academy/``)."""
