"""REST API of the desk: conversations, messages, contacts, macros, saved views, search.

Input serializers check the shape, the domain modules check the meaning (DomainError →
400 with the field), output serializers render. A change made on a stale version answers
409 with what changed and the conversation as it is now. One module per resource;
`urls.py` routes to them.
"""
