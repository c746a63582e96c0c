"""The read-only web view: `factcheck serve` and `factcheck site`, a thin layer over the services
(see app.py for the routes, pages.py for what each page shows)."""
