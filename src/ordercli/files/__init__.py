"""Reading the files people give us (stdlib + ijson; no store, no CLI).

* :mod:`ordercli.files.text` — open and check a text file (exists, regular,
  not binary, UTF-8 with or without BOM), read it as *physical* lines, and
  :class:`~ordercli.files.text.FileProblem`, the one way a problem in a file is
  located and written (``'file.csv' line 7, column price: …``).
* :mod:`ordercli.files.tabular` — CSV / semicolon / tab files: delimiter
  sniffing, header, rows with the physical lines they span. Shared by
  ``order import`` and ``product import``.
* :mod:`ordercli.files.jsonstream` — a JSON array streamed element by element
  (ijson) and JSONL, each value with its line.
"""
