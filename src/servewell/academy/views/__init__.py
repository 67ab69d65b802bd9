"""The academy\x27s screens: parse, call the domain, render."""
