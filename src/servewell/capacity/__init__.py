"""Capacity: how many agents at work one server carries (``servewell bench --only capacity``)."""
