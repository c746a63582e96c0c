"""Reading and writing factcheck data in other forms: our YAML/JSON dataset, ClaimReview, CSV."""
