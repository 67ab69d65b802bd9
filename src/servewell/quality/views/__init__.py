"""Quality screens, one module per concept; each view parses, calls the domain, renders."""
