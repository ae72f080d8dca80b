# A furo site whose template adds an inline script (tests/test_csp.py):
# the Content-Security-Policy must refuse to name it (book_csp.py).
project = "CSP"
extensions = ["book_csp"]
html_theme = "furo"
templates_path = ["_templates"]
