"""`tandem demo`: a short evening played through the real speech loop, on a journal of its own."""
