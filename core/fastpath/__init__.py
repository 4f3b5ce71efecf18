"""The fast paths, in one place: rows read outside the ORM turned into instances
(``rows``), reads compiled once (``prepared``), hand-written queries declared by
the feature code that runs them (``sql``), writes batched into one statement
(``writes``) and bulk COPY (``copy``). The only package that opens a database
cursor; each private Django API it leans on has a canary test
(tests/core/test_fastpath_canaries.py). bench/README.md, "Issue 21: which fast
paths pay", has the figures that keep each piece."""
