"""Fact-checkers' reviews: ClaimReview JSON-LD (schema.org, as Google's Fact Check Tools and the
outlets' pages carry it) and ClaimsKG's CSV, read into the dataset's records and ClaimReview written
out. `reviews` describes a review; `read` and `claimskg` find reviews in files, `build` (with
`sources`) makes records of them, `ratings` reads the reviewers' labels, `write` exports."""
