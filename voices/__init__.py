"""What Tandem says and does, as data: installed as the package `assistant.voices` (see datafiles.py)."""
