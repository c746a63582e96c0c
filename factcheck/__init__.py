"""factcheck: a claim-versus-counterclaim fact-tracking database."""

__version__ = "0.1.0"
