import pid1


def pytest_report_header():
    if pid1.missing() is None:
        return f"pid1 kernel tests: {pid1.versions()}"
    return f"pid1 kernel tests skipped: {pid1.missing()}"
