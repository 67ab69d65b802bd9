"""The API's documentation page works under the strict Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.mark.e2e
def test_api_docs_render_operations_with_no_csp_violation(page):
    csp_violations = []
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    response = page.goto("/api/docs/")
    policy = response.header_value("content-security-policy")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # The schema of every app is generated on first request: seconds on a busy machine.
    expect(page.get_by_role("heading", name="Servewell API")).to_be_visible(timeout=60_000)
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 5
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/")
    assert csp_violations == []
    assert page.console_errors == []
