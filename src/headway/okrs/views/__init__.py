"""Pages of the OKR area: the board and alignment, objectives, key results and check-ins."""
