"""What people say to Tandem, as data: installed as the package `assistant.intents` (see datafiles.py)."""
