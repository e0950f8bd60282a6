"""The response desk: analysts triage mentions and alerts in the browser, by name."""
