"""Servewell: customer service is leadership."""
