"""The rule catalogue: one module per rule, `<code>_<name>.py`; the docstring is its documentation."""
