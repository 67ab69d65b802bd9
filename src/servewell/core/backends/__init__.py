"""Database backends of our own (the embedded default's writer gate)."""
