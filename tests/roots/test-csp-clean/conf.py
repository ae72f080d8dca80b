# A furo site with only the inline scripts the project ships (tests/test_csp.py).
project = "CSP"
extensions = ["book_csp"]
html_theme = "furo"
