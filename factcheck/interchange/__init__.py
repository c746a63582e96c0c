"""Reading and writing factcheck data in other forms, a package per family: `dataset` (our YAML,
JSON and CSV), `claimreview` (ClaimReview JSON-LD, ClaimsKG) and `argmaps` (Argdown, AIF, DOT).
`formats` is the registry that names each format's reader and writer; `parsing` reads JSON and
YAML under limits for all of them."""
