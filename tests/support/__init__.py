"""Test support shared by ``tests/`` and the apps' own tests (``servewell.*.tests``).

It lives outside the installed package on purpose: nothing here ships or runs in
production. The repository root is on ``sys.path`` under pytest (the root
``conftest.py`` puts it there), so every test imports it as ``tests.support.<module>``.
"""
