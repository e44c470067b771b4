"""Inputs arriving: forms read and recorded, evidence stored, prefilled forms written."""
