"""Calibration: imported load-test measurements, the published cases, fitting the efficiency factors, parity."""
