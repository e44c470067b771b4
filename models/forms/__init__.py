"""Forms people fill in: reading XLSX, CSV and JSON files into checked rows, and writing templates."""
