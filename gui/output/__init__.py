"""Qt-free output: charts as files, the PowerPoint deck, the options table as CSV."""
