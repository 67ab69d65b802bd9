"""Desk pages (htmx): parse the request, call the domain, render a page or a partial.

Every action on a conversation answers an htmx request with out-of-band fragments (the
thread, the side panel, the version, a notice) so that a draft being typed in the
composer is never lost; without JavaScript the same forms post and redirect. One module
per concern; `urls.py` routes to them.
"""
