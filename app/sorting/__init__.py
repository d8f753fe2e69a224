"""Intake at the sorting plant, sorting into fractions with a mass balance, outbound register."""
